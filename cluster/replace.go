package cluster

import "slices"

// Replacement is one entry that took the place of another on this node: a local write over
// the key's previous entry, or a newer version received from another node. Old is what the
// node held until then.
type Replacement struct {
	Old, New Entry
}

// mergeLocked merges entries into the store like mergeEntries and, when Config.OnReplace
// is set, also returns the entries that replaced another, each with the one it replaced.
// The caller holds n.mu and calls notifyReplaced once it has let go of it.
func (n *Node) mergeLocked(entries []Entry) ([]Entry, []Replacement) {
	if n.cfg.OnReplace == nil {
		return mergeEntries(n.entries, entries), nil
	}
	return mergeReplacing(n.entries, entries)
}

// mergeReplacing is mergeEntries that also reports what each change replaced. It merges one
// entry at a time so that a key that comes twice in one batch is reported against the entry
// it actually replaced.
func mergeReplacing(state map[string]Entry, in []Entry) ([]Entry, []Replacement) {
	changed := make([]Entry, 0, len(in))
	var replaced []Replacement
	for _, e := range in {
		old, had := state[e.Key]
		next, ok := mergeEntry(old, had, e)
		if !ok {
			continue
		}
		state[e.Key] = next
		changed = append(changed, next)
		if had {
			replaced = append(replaced, Replacement{Old: old, New: next})
		}
	}
	return changed, replaced
}

// notifyReplaced hands the replacements to Config.OnReplace, outside the store's lock.
func (n *Node) notifyReplaced(replaced []Replacement) {
	for _, r := range replaced {
		n.cfg.OnReplace(r.Old, r.New)
	}
}

// Lookup returns the entry of key as this node holds it, a tombstone included (Deleted,
// no value), so that a caller can tell which delete it is writing after; false when the
// node holds nothing for key.
func (n *Node) Lookup(key string) (Entry, bool) {
	n.mu.RLock()
	defer n.mu.RUnlock()
	e, ok := n.entries[key]
	e.Value = slices.Clone(e.Value)
	return e, ok
}
