package cluster

import "time"

// What this node gossips about itself changes when the caller sets new
// metadata, when the node takes its rank, and when it starts or stops
// leading in its own view. The leading flag lets a node that comes back
// after a long absence see that the role has moved, and leave it where it
// is (see keepsRank).

// setMeta replaces the caller's part of the metadata.
func (n *Node) setMeta(meta map[string]string) error {
	n.metaMu.Lock()
	defer n.metaMu.Unlock()
	b, err := encodeMeta(nodeMeta{Started: n.started, Rank: n.rank.Load(), Leading: n.leading.Load(), Fetches: true, ExactFetches: true, Announces: true, Meta: meta})
	if err != nil {
		return err
	}
	n.userMeta = meta
	n.meta.Store(&b)
	return nil
}

// refreshMeta encodes the metadata again after the rank or the leading flag
// changed. The caller's part was accepted before, and the other fields take
// at most a few bytes more, which the 512-byte limit left room for or not:
// a failure keeps the previous metadata and is logged.
func (n *Node) refreshMeta() {
	n.metaMu.Lock()
	defer n.metaMu.Unlock()
	b, err := encodeMeta(nodeMeta{Started: n.started, Rank: n.rank.Load(), Leading: n.leading.Load(), Fetches: true, ExactFetches: true, Announces: true, Meta: n.userMeta})
	if err != nil {
		n.log.Error("gossip this node's rank", "err", err)
		return
	}
	n.meta.Store(&b)
}

// claim records whether this node leads in its own view and has a change
// gossiped. It runs in memberlist's event callbacks, which must not call
// back into memberlist, so the announce loop does that.
func (n *Node) claim(leading bool) {
	if n.leading.Swap(leading) == leading {
		return
	}
	n.refreshMeta()
	select {
	case n.announce <- struct{}{}:
	default:
	}
}

// announceLoop gossips this node's metadata again when claim changed it.
func (n *Node) announceLoop() {
	defer n.wg.Done()
	for {
		select {
		case <-n.announce:
		case <-n.stop:
			return
		}
		n.updateNode()
	}
}

// updateNode has memberlist read the metadata again and gossip it. Its own
// view of this node, and through it the member table, changes before it
// returns; the gossip is queued either way, so there is no need to wait
// until a peer received it.
func (n *Node) updateNode() {
	if err := n.ml.Load().UpdateNode(time.Millisecond); err != nil {
		n.log.Debug("metadata update queued", "err", err)
	}
}
