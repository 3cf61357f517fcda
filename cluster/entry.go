package cluster

import (
	"bytes"
	"cmp"
	"slices"
	"strings"
	"time"
)

// Version orders the writes of one key: the Lamport time of the write first,
// then the name of the node that made it, so that two writes made at the same
// time on different nodes resolve the same way everywhere.
type Version struct {
	Time uint64 // Lamport time of the write
	Node string // name of the node that wrote it
}

// Compare returns -1, 0 or +1 as v is older than, the same as, or newer than o.
func (v Version) Compare(o Version) int {
	if c := cmp.Compare(v.Time, o.Time); c != 0 {
		return c
	}
	return strings.Compare(v.Node, o.Node)
}

// Entry is one key of the replicated store. A deleted key stays as a
// tombstone (Deleted, no value) until it is collected, so that the delete wins
// over older copies of the value that are still travelling.
type Entry struct {
	Key     string
	Value   []byte
	Version Version
	Deleted bool
	// Modified is the writer's wall clock at the write, for people to read.
	// It is replicated as is and decides nothing between nodes: it only
	// orders two writes with the same Version, which come from the same node.
	Modified time.Time
	// Received is when this version was written, on this node's own clock:
	// the write itself for a local write, else the moment it arrived here
	// less the age its sender had counted for it. Only that age, a duration,
	// crosses the network, so a wrong clock elsewhere cannot make an entry
	// look older or younger here. Tombstones are collected
	// Config.TombstoneTTL after it, and callers may time other things from it
	// (token lifetimes). It is not part of the replicated content: merges
	// ignore it.
	Received time.Time
}

// compareEntries is the total order that decides which of two entries of the
// same key survives a merge.
func compareEntries(a, b Entry) int {
	if c := a.Version.Compare(b.Version); c != 0 {
		return c
	}
	// The same version with different content only happens when a node lost
	// the end of its clock in a crash and reused a time. Ordering by content
	// still lets every node keep the same entry.
	if a.Deleted != b.Deleted {
		if a.Deleted {
			return 1
		}
		return -1
	}
	if c := bytes.Compare(a.Value, b.Value); c != 0 {
		return c
	}
	// Both writes come from the same node (the version names it), so this
	// compares one clock with itself.
	return cmp.Compare(a.Modified.UnixNano(), b.Modified.UnixNano())
}

// mergeEntry returns the entry to keep for a key, given the current one (if
// any) and an incoming one, and whether that changes what is stored.
func mergeEntry(cur Entry, have bool, in Entry) (Entry, bool) {
	if !have || compareEntries(in, cur) > 0 {
		return in, true
	}
	return cur, false
}

// mergeEntries folds incoming entries into state and returns those that
// changed it, in the order they were applied. It is the only merge: live
// broadcasts, direct sends and push/pull anti-entropy all go through it.
//
// changed is sized for every entry to change, as every entry of a burst of new writes
// does: grown by doubling instead, it would be twice the fresh memory on every member.
func mergeEntries(state map[string]Entry, in []Entry) []Entry {
	changed := make([]Entry, 0, len(in))
	for _, e := range in {
		cur, have := state[e.Key]
		next, ok := mergeEntry(cur, have, e)
		if !ok {
			continue
		}
		state[e.Key] = next
		changed = append(changed, next)
	}
	return changed
}

// expiredTombstones returns the keys of tombstones older than ttl at now, both
// read on this node's clock (Entry.Received). Collecting them bounds the
// store; the price is that a node cut off for longer than ttl can bring a
// deleted value back.
func expiredTombstones(state map[string]Entry, now time.Time, ttl time.Duration) []string {
	var keys []string
	for k, e := range state {
		if e.Deleted && now.Sub(e.Received) > ttl {
			keys = append(keys, k)
		}
	}
	return keys
}

// withoutExpiredTombstones drops from in the tombstones that are already past
// ttl and would only add a tombstone here: those for keys this node does not
// hold or holds deleted. Without it two nodes that collect at different
// moments could hand a dead tombstone back and forth for ever. A tombstone
// past ttl that meets an older live value still deletes it.
//
// It returns in itself when it drops nothing, as it mostly does: in may be thousands of
// entries, and a copy of them is fresh memory on every member that merges them.
func withoutExpiredTombstones(state map[string]Entry, in []Entry, now time.Time, ttl time.Duration) []Entry {
	expired := func(e Entry) bool {
		if !e.Deleted || now.Sub(e.Received) <= ttl {
			return false
		}
		cur, have := state[e.Key]
		return !have || cur.Deleted
	}
	if !slices.ContainsFunc(in, expired) {
		return in
	}
	out := make([]Entry, 0, len(in))
	for _, e := range in {
		if !expired(e) {
			out = append(out, e)
		}
	}
	return out
}

// entrySize estimates the bytes an entry takes on the wire, to keep the whole
// store within what one push/pull can carry.
func entrySize(e Entry) int {
	return len(e.Key) + len(e.Value) + len(e.Version.Node) + 32
}
