package agent

import (
	"errors"
	"fmt"
	"maps"
	"os"
	"syscall"
	"testing"
	"time"

	"github.com/podman-swarm/podman-swarm/cluster"
)

// fakeMetaNode records the metadata set, and fails to announce it while told to.
type fakeMetaNode struct {
	storeErr error
	failSet  bool
	sets     []map[string]string
}

func (f *fakeMetaNode) StoreError() error { return f.storeErr }

func (f *fakeMetaNode) SetMeta(meta map[string]string) error {
	if f.failSet {
		return errors.New("announce node metadata: timeout")
	}
	f.sets = append(f.sets, meta)
	return nil
}

// The store health is gossiped when it changes, with the node's other metadata, and kept
// with the time the failure began while only its wording changes; a failed announcement is
// made again at the next check.
func TestStoreHealthPublishesChanges(t *testing.T) {
	node := &fakeMetaNode{}
	var plan error
	clock := time.Unix(1000, 0)
	base := map[string]string{"api": "127.0.0.1:1"}
	h := newStoreHealth(node, base, func() error { return plan }, func() time.Time { return clock }, testLogger())
	h.check()
	if len(node.sets) != 0 {
		t.Fatalf("a healthy node set its metadata: %v", node.sets)
	}

	node.storeErr = fmt.Errorf("append to store log /x/wal: %w", &os.PathError{Op: "write", Path: "/x/wal", Err: syscall.ENOSPC})
	h.check()
	h.check()
	want := map[string]string{"api": "127.0.0.1:1", "storefail": "no space left on device", "storefail@": "1000"}
	if len(node.sets) != 1 || !maps.Equal(node.sets[0], want) {
		t.Fatalf("metadata set %v, want once %v", node.sets, want)
	}

	// The disk is fine again, but the plan's writes fail: another reason, same start.
	node.storeErr, plan = nil, fmt.Errorf("%w: it would take 17 MB", cluster.ErrStoreFull)
	clock = clock.Add(time.Minute)
	h.check()
	want = map[string]string{"api": "127.0.0.1:1", "storefail": "the store is full", "storefail@": "1000"}
	if len(node.sets) != 2 || !maps.Equal(node.sets[1], want) {
		t.Fatalf("metadata set %v, want then %v", node.sets, want)
	}

	plan = nil
	node.failSet = true
	h.check()
	node.failSet = false
	h.check()
	if len(node.sets) != 3 || !maps.Equal(node.sets[2], base) {
		t.Fatalf("metadata set %v, want at last %v", node.sets, base)
	}
	if base["storefail"] != "" {
		t.Fatal("the agent's metadata map was changed")
	}

	// Once healthy, a new failure starts anew; a node shutting down is not failing.
	clock = clock.Add(time.Minute)
	plan = fmt.Errorf("%w: short write", cluster.ErrNotPersisted)
	h.check()
	if got := node.sets[3]["storefail@"]; got != "1120" || node.sets[3]["storefail"] != "short write" {
		t.Fatalf("metadata set %v", node.sets[3])
	}
	plan = cluster.ErrClosed
	h.check()
	if !maps.Equal(node.sets[4], base) {
		t.Fatalf("metadata set %v while shutting down", node.sets[4])
	}
}
