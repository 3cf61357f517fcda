package cluster

import (
	"context"

	"github.com/hashicorp/memberlist"
)

// maxGossipMsg is the largest entry message that goes by gossip. memberlist
// packs gossip into UDP packets of 1400 bytes, less its framing and the
// 29 bytes of encryption; larger entries go to each member over TCP instead.
const maxGossipMsg = 1200

// spreadMode says how far a changed entry travels from this node.
type spreadMode int

const (
	// spreadNone: push/pull already brought both sides up to date.
	spreadNone spreadMode = iota
	// spreadGossip: an entry received by gossip is gossiped on, so that it
	// reaches everyone even if its writer dies right away.
	spreadGossip
	// spreadAll: a local write reaches everyone, by gossip if it fits in a
	// packet, else directly over TCP.
	spreadAll
)

// entryBroadcast is one entry waiting in the gossip queue. It is named by
// its key, so a newer version of a key replaces an older one still queued.
type entryBroadcast struct {
	key string
	msg []byte
}

var _ memberlist.NamedBroadcast = (*entryBroadcast)(nil)

func (b *entryBroadcast) Name() string    { return "entry/" + b.key }
func (b *entryBroadcast) Message() []byte { return b.msg }
func (b *entryBroadcast) Finished()       {}

func (b *entryBroadcast) Invalidates(other memberlist.Broadcast) bool {
	nb, ok := other.(memberlist.NamedBroadcast)
	return ok && nb.Name() == b.Name()
}

func (n *Node) spread(e Entry, how spreadMode) {
	if how == spreadNone {
		return
	}
	msg := encodeEntryMsg(e, n.now())
	if len(msg) <= maxGossipMsg {
		n.queue.QueueBroadcast(&entryBroadcast{key: e.Key, msg: msg})
		return
	}
	if how != spreadAll {
		return
	}
	// A member that misses this gets it at its next push/pull.
	go func() {
		ctx, cancel := context.WithTimeout(context.Background(), n.cfg.StreamTimeout)
		defer cancel()
		if err := n.sendToAll(ctx, msg); err != nil {
			n.log.Warn("large entry not sent to every member; push/pull will carry it", "key", e.Key, "err", err)
		}
	}()
}
