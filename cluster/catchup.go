package cluster

import (
	"context"
	"fmt"
)

// CatchUp brings into this node's store every entry that member name holds and this node
// lacks (or holds at an older version), and returns only once they are merged, on disk and
// in memory: a caller that reads the store afterwards holds at least what name held when it
// answered. It is the fetch of fetch.go, asked for now and waited for, from a member whose
// probe answers carried a digest; from one whose answers did not (an earlier build, which
// does not answer a fetch), a push/pull exchange of whole states, as a join makes.
//
// It fails when name is not an alive member, does not answer in time (ctx, and
// Config.StreamTimeout between two parts of the answer), or what it sent cannot be stored.
// Self is always caught up. The leader calls it before it writes a plan after the
// membership changed (see agent/schedule): gossip and the periodic fetch repair a store
// only a probe interval or more later, and a plan made from a store that lacks what the
// others wrote meanwhile can hand out again what they already gave.
func (n *Node) CatchUp(ctx context.Context, name string) error {
	if name == n.cfg.NodeName {
		return nil
	}
	if n.isClosed() {
		return fmt.Errorf("catch up with %s: %w", name, ErrClosed)
	}
	var addr string
	for _, m := range n.members.list() {
		if m.Name == name && m.State == StateAlive {
			addr = m.Addr
		}
	}
	if addr == "" {
		return fmt.Errorf("catch up with %s: %w", name, ErrNoSuchMember)
	}
	return n.catchUpFrom(ctx, name, addr, n.sentDigest(name))
}

// catchUpFrom catches up with member name at gossip address addr: by a fetch, or else by
// a push/pull.
func (n *Node) catchUpFrom(ctx context.Context, name, addr string, fetch bool) error {
	if fetch {
		if _, err := n.fetchFrom(ctx, name, true); err != nil {
			return fmt.Errorf("catch up with %s: %w", name, err)
		}
		return nil
	}
	if err := n.join(ctx, []string{addr}); err != nil {
		return fmt.Errorf("catch up with %s by push/pull: %w", name, err)
	}
	return nil
}

// sentDigest reports whether a probe answer of member name carried a digest: it answers
// a fetch.
func (n *Node) sentDigest(name string) bool {
	n.fetches.mu.Lock()
	defer n.fetches.mu.Unlock()
	_, ok := n.fetches.peers[name]
	return ok
}
