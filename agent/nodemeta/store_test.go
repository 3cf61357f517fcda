package nodemeta

import (
	"errors"
	"fmt"
	"maps"
	"os"
	"strings"
	"syscall"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/podman-swarm/podman-swarm/cluster"
)

func TestStoreReason(t *testing.T) {
	enospc := &os.PathError{Op: "write", Path: "/var/lib/swarm/wal", Err: syscall.ENOSPC}
	for _, tc := range []struct {
		err  error
		want string
	}{
		{nil, ""},
		// As StoreError reports it: the path is in the node's log, not in the gossip.
		{fmt.Errorf("append to store log /var/lib/swarm/wal: %w", enospc), "no space left on device"},
		// As a write fails with it.
		{fmt.Errorf("%w: %w", cluster.ErrNotPersisted, syscall.EIO), "input/output error"},
		{fmt.Errorf("%w: %w", cluster.ErrNotPersisted, errors.New("short write")), "short write"},
		{fmt.Errorf("%w: it would take 16777300 bytes", cluster.ErrStoreFull), "the store is full"},
		{errors.New("something else"), "something else"},
	} {
		if got := StoreReason(tc.err); got != tc.want {
			t.Errorf("StoreReason(%v) = %q, want %q", tc.err, got, tc.want)
		}
	}
	long := StoreReason(errors.New(strings.Repeat("é", 200)))
	if len(long) > MaxStoreReason || !strings.HasSuffix(long, "...") || !utf8.ValidString(long) {
		t.Errorf("a long reason is cut to %d bytes: %q", len(long), long)
	}
}

func TestStoreHealthRoundTrip(t *testing.T) {
	meta := map[string]string{API: "127.0.0.1:1"}
	since := time.Unix(1_800_000_000, 0)
	SetStoreFailure(meta, "no space left on device", since)
	if reason, at := StoreHealth(meta); reason != "no space left on device" || !at.Equal(since) {
		t.Errorf("read back %q since %s", reason, at)
	}
	SetStoreFailure(meta, "", time.Time{})
	if !maps.Equal(meta, map[string]string{API: "127.0.0.1:1"}) {
		t.Errorf("cleared metadata: %v", meta)
	}
	if reason, at := StoreHealth(meta); reason != "" || !at.IsZero() {
		t.Errorf("healthy node read as %q since %s", reason, at)
	}
	// A failure without its time (a hand-edited or future format) still reads.
	if reason, at := StoreHealth(map[string]string{StoreFailure: "x", StoreFailureSince: "soon"}); reason != "x" || !at.IsZero() {
		t.Errorf("read %q since %s", reason, at)
	}
}
