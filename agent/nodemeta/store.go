package nodemeta

import (
	"errors"
	"strconv"
	"strings"
	"syscall"
	"time"
	"unicode/utf8"

	"github.com/podman-swarm/podman-swarm/cluster"
)

// Keys of a node's store health. Both are absent while the node writes its store: a node
// of an older version, which never sets them, reads as healthy.
const (
	// StoreFailure is why the node cannot write its store, short: "no space left on device".
	StoreFailure = "storefail"
	// StoreFailureSince is when the failure began on the node's clock, in Unix seconds.
	StoreFailureSince = "storefail@"
)

// MaxStoreReason bounds the reason gossiped: the metadata of a node travels in every
// membership message and must stay within what memberlist carries (512 bytes), the node's
// address and labels included.
const MaxStoreReason = 120

// StoreReason turns a store write's error into the short reason a node gossips: the
// system's word for a failure to write the disk ("no space left on device"; the paths are
// in the node's log), or "the store is full". The reason stays the same while the cause
// does, so that a failure that lasts does not change the node's metadata at every retry.
func StoreReason(err error) string {
	if err == nil {
		return ""
	}
	msg := err.Error()
	var errno syscall.Errno
	switch {
	case errors.Is(err, cluster.ErrStoreFull):
		// The error counts the bytes the refused write would have taken: different at
		// every retry.
		msg = cluster.ErrStoreFull.Error()
	case errors.As(err, &errno):
		msg = errno.Error()
	case errors.Is(err, cluster.ErrNotPersisted):
		if cause, ok := strings.CutPrefix(msg, cluster.ErrNotPersisted.Error()+": "); ok && cause != "" {
			msg = cause
		}
	}
	return truncate(msg, MaxStoreReason)
}

// truncate cuts s to at most n bytes, on a character boundary, marking the cut.
func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	const mark = "..."
	cut := n - len(mark)
	for cut > 0 && !utf8.RuneStart(s[cut]) {
		cut--
	}
	return s[:cut] + mark
}

// SetStoreFailure writes the store health into meta: the reason and since when, or
// nothing when reason is empty.
func SetStoreFailure(meta map[string]string, reason string, since time.Time) {
	if reason == "" {
		delete(meta, StoreFailure)
		delete(meta, StoreFailureSince)
		return
	}
	meta[StoreFailure] = reason
	meta[StoreFailureSince] = strconv.FormatInt(since.Unix(), 10)
}

// StoreHealth reads a member's store health from its metadata: the reason it cannot write
// its store ("" while it can) and since when (zero when it did not say).
func StoreHealth(meta map[string]string) (reason string, since time.Time) {
	reason = meta[StoreFailure]
	if reason == "" {
		return "", time.Time{}
	}
	if s, err := strconv.ParseInt(meta[StoreFailureSince], 10, 64); err == nil {
		since = time.Unix(s, 0)
	}
	return reason, since
}
