package cluster

import (
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"
)

// ReservedPrefix starts the store keys that this package keeps for itself.
// Callers must not write under it: the values there change how the cluster
// admits its members.
const ReservedPrefix = "cluster/"

// removedPrefix holds one record per member removed for good, under the
// member's name. The record replicates like any entry, so that every node,
// including one that was down during the removal, learns it; deleting it
// (ForgetRemoval) lets the name join again.
const removedPrefix = ReservedPrefix + "removed/"

// Removal records that a member was removed from the cluster for good.
type Removal struct {
	Name string    `json:"name"`           // the removed member
	Addr string    `json:"addr,omitempty"` // its last known gossip address
	By   string    `json:"by"`             // the member that removed it
	At   time.Time `json:"at"`             // when, by the remover's clock
}

func removalKey(name string) string { return removedPrefix + name }

// ReadRemoval reads the removal record of a member from a store entry got at RemovalKey:
// what removed it and when.
func ReadRemoval(e Entry) (Removal, error) { return decodeRemoval(e) }

// RemovalKey is the store key of a member's removal record: a member is removed for good
// as long as the store holds it.
func RemovalKey(name string) string { return removalKey(name) }

func encodeRemoval(r Removal) ([]byte, error) {
	b, err := json.Marshal(r)
	if err != nil {
		return nil, fmt.Errorf("encode removal of %s: %w", r.Name, err)
	}
	return b, nil
}

// decodeRemoval reads a record. The key names the member, whatever the
// value says, since refusing goes by the key.
func decodeRemoval(e Entry) (Removal, error) {
	var r Removal
	if err := json.Unmarshal(e.Value, &r); err != nil {
		return Removal{}, fmt.Errorf("read removal record %s: %w", e.Key, err)
	}
	r.Name = strings.TrimPrefix(e.Key, removedPrefix)
	return r, nil
}

// removalEntry returns the stored record of name, unless it was deleted.
func (n *Node) removalEntry(name string) (Entry, bool) {
	n.mu.RLock()
	defer n.mu.RUnlock()
	e, ok := n.entries[removalKey(name)]
	if !ok || e.Deleted {
		return Entry{}, false
	}
	return e, true
}

// removal returns the removal record of name, if the store holds one.
func (n *Node) removal(name string) (Removal, bool) {
	e, ok := n.removalEntry(name)
	if !ok {
		return Removal{}, false
	}
	r, err := decodeRemoval(e)
	if err != nil {
		// Refusal goes by the key, so the name still counts.
		return Removal{Name: name}, true
	}
	return r, true
}

// isRemoved reports whether the store holds a removal record for name. It
// reads the store, not the member table, so that it holds from the moment a
// node starts with the record on disk. memberlist calls it on its receive
// path, so it stays a map lookup.
func (n *Node) isRemoved(name string) bool {
	n.mu.RLock()
	defer n.mu.RUnlock()
	e, ok := n.entries[removalKey(name)]
	return ok && !e.Deleted
}

// Removals returns the members removed for good, sorted by name.
func (n *Node) Removals() []Removal {
	var out []Removal
	for _, e := range n.List(removedPrefix) {
		r, err := decodeRemoval(e)
		if err != nil {
			// Refusal goes by the key, so the name still counts.
			n.log.Warn("unreadable removal record", "key", e.Key, "err", err)
			r = Removal{Name: strings.TrimPrefix(e.Key, removedPrefix)}
		}
		out = append(out, r)
	}
	slices.SortFunc(out, func(a, b Removal) int { return strings.Compare(a.Name, b.Name) })
	return out
}

// noticeRemovals brings the member table in line with the removal records
// among entries just merged into the store: a removed member is reported
// left at once, and a forgotten one may join again. A node that reads its
// own removal says so loudly: it is cut off, or about to be.
func (n *Node) noticeRemovals(entries []Entry) {
	for _, e := range entries {
		name, ok := strings.CutPrefix(e.Key, removedPrefix)
		if !ok || name == "" {
			continue
		}
		if !n.isRemoved(name) {
			n.members.unmarkRemoved(name)
			continue
		}
		if !n.members.markRemoved(name) {
			continue
		}
		if name != n.cfg.NodeName {
			n.log.Info("member removed from the cluster", "member", name)
			continue
		}
		by := "another member"
		if r, ok := n.removal(name); ok && r.By != "" {
			by = r.By
		}
		n.log.Error("this node was removed from the cluster; it no longer receives its gossip key and every member refuses its name; it can join again only under another name, with a fresh state folder", "removed_by", by)
	}
}

// ErrRemoved is returned by Start on a node that was removed from the
// cluster (RemoveMember): every member refuses its name.
var ErrRemoved = errors.New("this node was removed from the cluster")

// errRemoved says that this node was removed and what to do about it.
func (n *Node) errRemoved() error {
	return fmt.Errorf("join cluster as %s: %w and every member refuses its name: join under another name, with a fresh state folder, or forget the removal on a member", n.cfg.NodeName, ErrRemoved)
}
