package cluster

import (
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"
)

// Bounds of the store. memberlist's push/pull refuses a state above 20 MB,
// and every node holds the whole store, so it has to stay well below that.
const (
	maxKeyLen     = 1024
	maxValueLen   = 1 << 20
	maxStoreBytes = 16 << 20
)

// Put stores value under key on this node and spreads it to the others. It
// returns once the value is on this node's disk (see Write for more). The
// returned version orders it among all writes of the key; a concurrent write
// with a higher version, on any node, wins everywhere.
func (n *Node) Put(key string, value []byte) (Version, error) {
	if err := checkKey(key); err != nil {
		return Version{}, fmt.Errorf("put %s: %w", key, err)
	}
	if err := checkValue(value); err != nil {
		return Version{}, fmt.Errorf("put %s: %w", key, err)
	}
	v, err := n.writeOne(Entry{Key: key, Value: slices.Clone(value)})
	if err != nil {
		return Version{}, fmt.Errorf("put %s: %w", key, err)
	}
	return v, nil
}

// Delete removes key by writing a tombstone, which spreads like a value and
// wins over older values still travelling. Deleting a missing key still
// writes one, since another node may hold the key already. It returns once
// the tombstone is on this node's disk.
func (n *Node) Delete(key string) (Version, error) {
	if err := checkKey(key); err != nil {
		return Version{}, fmt.Errorf("delete %s: %w", key, err)
	}
	v, err := n.writeOne(Entry{Key: key, Deleted: true})
	if err != nil {
		return Version{}, fmt.Errorf("delete %s: %w", key, err)
	}
	return v, nil
}

// writeOne commits a local write of one key and spreads it without waiting
// for other members.
func (n *Node) writeOne(e Entry) (Version, error) {
	entries := []Entry{e}
	v, err := n.commitLocal(entries)
	if err != nil {
		return Version{}, err
	}
	n.spreadLocal(entries)
	return v, nil
}

func checkKey(key string) error {
	if key == "" {
		return errors.New("the key is empty")
	}
	if len(key) > maxKeyLen {
		return tooLarge("the key takes %d bytes, more than the %d allowed", len(key), maxKeyLen)
	}
	return nil
}

// Get returns the entry of key, or false when it is missing or deleted.
func (n *Node) Get(key string) (Entry, bool) {
	n.mu.RLock()
	defer n.mu.RUnlock()
	e, ok := n.entries[key]
	if !ok || e.Deleted {
		return Entry{}, false
	}
	e.Value = slices.Clone(e.Value)
	return e, true
}

// List returns the live entries whose key starts with prefix, sorted by key.
func (n *Node) List(prefix string) []Entry {
	n.mu.RLock()
	var out []Entry
	for k, e := range n.entries {
		if !e.Deleted && strings.HasPrefix(k, prefix) {
			e.Value = slices.Clone(e.Value)
			out = append(out, e)
		}
	}
	n.mu.RUnlock()
	slices.SortFunc(out, func(a, b Entry) int { return strings.Compare(a.Key, b.Key) })
	return out
}

// Count is how many keys List("") would return, without copying them.
func (n *Node) Count() int {
	n.mu.RLock()
	defer n.mu.RUnlock()
	count := 0
	for _, e := range n.entries {
		if !e.Deleted {
			count++
		}
	}
	return count
}

// WatchKeys returns a channel of the keys under prefix that changed (written,
// deleted, or replaced by a newer version from another node), and a function
// that ends the watch and closes the channel. A key that changes again
// before it was read is delivered once: read its current state with Get.
func (n *Node) WatchKeys(prefix string) (<-chan string, func()) {
	return n.keyHub.subscribe(
		func(k string) bool { return strings.HasPrefix(k, prefix) },
		func(k string) string { return k },
	)
}

// WatchKeyBatches is WatchKeys for a reader that handles changes in bursts: each
// receive holds every key under prefix that changed since the last one, once.
func (n *Node) WatchKeyBatches(prefix string) (<-chan []string, func()) {
	return n.keyHub.subscribeBatches(
		func(k string) bool { return strings.HasPrefix(k, prefix) },
		func(k string) string { return k },
	)
}

// applyRemote stores entries received from another node, without waiting:
// they are written to the log, then merged.
func (n *Node) applyRemote(entries []Entry, how spreadMode) {
	_ = n.storeRemote(entries, how, false)
}

// storeRemote writes to the log the entries from another node that would
// change the store, and merges them once they are on disk; with wait, it
// returns only then. Entries that change nothing are not logged: what the
// store holds is on disk already.
func (n *Node) storeRemote(entries []Entry, how spreadMode, wait bool) error {
	for _, e := range entries {
		n.clock.Witness(e.Version.Time)
	}
	n.mu.RLock()
	fresh := newerEntries(n.entries, withoutExpiredTombstones(n.entries, entries, n.now(), n.cfg.TombstoneTTL))
	n.mu.RUnlock()
	if len(fresh) == 0 {
		return nil
	}
	req := &commitReq{entries: fresh, spread: how}
	if wait {
		req.done = make(chan error, 1)
	}
	if err := n.commits.push(req); err != nil || !wait {
		return err
	}
	return <-req.done
}

// newerEntries returns the incoming entries that would change state. They are counted
// first so that the slice is made once at its size: a merge may carry thousands.
func newerEntries(state map[string]Entry, in []Entry) []Entry {
	newer := func(e Entry) bool {
		cur, have := state[e.Key]
		_, ok := mergeEntry(cur, have, e)
		return ok
	}
	count := 0
	for _, e := range in {
		if newer(e) {
			count++
		}
	}
	if count == 0 {
		return nil
	}
	out := make([]Entry, 0, count)
	for _, e := range in {
		if newer(e) {
			out = append(out, e)
		}
	}
	return out
}

// sizeWithLocked returns the size of the store once entries replace their
// keys. Counting every time is cheap at the sizes the store is bounded to,
// and cannot drift.
func (n *Node) sizeWithLocked(entries ...Entry) int {
	size := 0
	replaced := make(map[string]bool, len(entries))
	for _, e := range entries {
		size += entrySize(e)
		replaced[e.Key] = true
	}
	for k, cur := range n.entries {
		if !replaced[k] {
			size += entrySize(cur)
		}
	}
	return size
}

// growthLocked is how many bytes the store grows by once entries replace their keys
// (negative when it shrinks).
func (n *Node) growthLocked(entries []Entry) int {
	last := make(map[string]Entry, len(entries))
	for _, e := range entries {
		last[e.Key] = e
	}
	growth := 0
	for k, e := range last {
		growth += entrySize(e)
		if cur, ok := n.entries[k]; ok {
			growth -= entrySize(cur)
		}
	}
	return growth
}

// changed tells watchers and spreads entries that were written to the log
// and merged.
func (n *Node) changed(entries []Entry, how spreadMode) {
	keys := make([]string, len(entries))
	for i, e := range entries {
		keys[i] = e.Key
	}
	n.keyHub.publishAll(keys)
	for _, e := range entries {
		n.spread(e, how)
	}
}

// localState is this node's side of a push/pull: the clock and everything.
func (n *Node) localState() []byte {
	n.mu.RLock()
	defer n.mu.RUnlock()
	entries := make([]Entry, 0, len(n.entries))
	for _, e := range n.entries {
		entries = append(entries, e)
	}
	return encodePushPull(n.clock.Time(), entries, n.now())
}

// clockState is a push/pull state that carries this node's clock and no entries.
func (n *Node) clockState() []byte {
	return encodePushPull(n.clock.Time(), nil, n.now())
}

// collectTombstones forgets tombstones older than Config.TombstoneTTL.
func (n *Node) collectTombstones(now time.Time) {
	n.mu.Lock()
	keys := expiredTombstones(n.entries, now, n.cfg.TombstoneTTL)
	for _, k := range keys {
		delete(n.entries, k)
	}
	n.mu.Unlock()
	if len(keys) > 0 {
		n.markDigestDirty()
		n.log.Debug("collected tombstones", "count", len(keys))
		n.storeDirty.Store(true)
		n.markDirty()
	}
}
