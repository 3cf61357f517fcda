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

// Put stores value under key on this node and spreads it to the others. The
// returned version orders it among all writes of the key; a concurrent write
// with a higher version, on any node, wins everywhere.
func (n *Node) Put(key string, value []byte) (Version, error) {
	if err := checkKey(key); err != nil {
		return Version{}, fmt.Errorf("put %s: %w", key, err)
	}
	if len(value) > maxValueLen {
		return Version{}, fmt.Errorf("put %s: the value takes %d bytes, more than the %d allowed", key, len(value), maxValueLen)
	}
	v, err := n.write(Entry{Key: key, Value: slices.Clone(value)})
	if err != nil {
		return Version{}, fmt.Errorf("put %s: %w", key, err)
	}
	return v, nil
}

// Delete removes key by writing a tombstone, which spreads like a value and
// wins over older values still travelling. Deleting a missing key still
// writes one, since another node may hold the key already.
func (n *Node) Delete(key string) (Version, error) {
	if err := checkKey(key); err != nil {
		return Version{}, fmt.Errorf("delete %s: %w", key, err)
	}
	v, err := n.write(Entry{Key: key, Deleted: true})
	if err != nil {
		return Version{}, fmt.Errorf("delete %s: %w", key, err)
	}
	return v, nil
}

func checkKey(key string) error {
	if key == "" {
		return errors.New("the key is empty")
	}
	if len(key) > maxKeyLen {
		return fmt.Errorf("the key takes %d bytes, more than the %d allowed", len(key), maxKeyLen)
	}
	return nil
}

// write stamps a local write with the next Lamport time, applies it and
// spreads it. Having witnessed every time stored here, the new time is
// higher than any version of the key this node holds, so the write wins
// locally.
func (n *Node) write(e Entry) (Version, error) {
	n.mu.Lock()
	if n.closed {
		n.mu.Unlock()
		return Version{}, ErrClosed
	}
	if grown := n.sizeWithLocked(e); !e.Deleted && grown > maxStoreBytes {
		n.mu.Unlock()
		return Version{}, fmt.Errorf("the store would take %d bytes, more than the %d that replication carries", grown, maxStoreBytes)
	}
	e.Version = Version{Time: n.clock.Increment(), Node: n.cfg.NodeName}
	e.Modified = n.now()
	e.Received = e.Modified
	changed, replaced := n.mergeLocked([]Entry{e})
	n.mu.Unlock()
	n.notifyReplaced(replaced)
	n.changed(changed, spreadAll)
	return e.Version, nil
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

// applyRemote merges entries received from another node.
func (n *Node) applyRemote(entries []Entry, how spreadMode) {
	for _, e := range entries {
		n.clock.Witness(e.Version.Time)
	}
	n.mu.Lock()
	if n.closed {
		n.mu.Unlock()
		return
	}
	entries = withoutExpiredTombstones(n.entries, entries, n.now(), n.cfg.TombstoneTTL)
	changed, replaced := n.mergeLocked(entries)
	n.mu.Unlock()
	n.notifyReplaced(replaced)
	n.changed(changed, how)
}

// sizeWithLocked returns the size of the store once e replaces its key.
// Counting every time is cheap at the sizes the store is bounded to, and
// cannot drift.
func (n *Node) sizeWithLocked(e Entry) int {
	size := entrySize(e)
	for k, cur := range n.entries {
		if k != e.Key {
			size += entrySize(cur)
		}
	}
	return size
}

// changed tells watchers, schedules a write to disk and spreads the entries.
func (n *Node) changed(entries []Entry, how spreadMode) {
	if len(entries) == 0 {
		return
	}
	for _, e := range entries {
		n.keyHub.publish(e.Key)
		n.spread(e, how)
	}
	n.storeDirty.Store(true)
	n.markDirty()
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

// collectTombstones forgets tombstones older than Config.TombstoneTTL.
func (n *Node) collectTombstones(now time.Time) {
	n.mu.Lock()
	keys := expiredTombstones(n.entries, now, n.cfg.TombstoneTTL)
	for _, k := range keys {
		delete(n.entries, k)
	}
	n.mu.Unlock()
	if len(keys) > 0 {
		n.log.Debug("collected tombstones", "count", len(keys))
		n.storeDirty.Store(true)
		n.markDirty()
	}
}
