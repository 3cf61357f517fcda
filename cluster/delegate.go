package cluster

import (
	"errors"

	"github.com/hashicorp/memberlist"
)

// delegate is the node as memberlist's Delegate: it names the metadata,
// hands over queued gossip and merges what arrives.
type delegate struct {
	n *Node
}

var _ memberlist.Delegate = (*delegate)(nil)

func (d *delegate) NodeMeta(limit int) []byte {
	return *d.n.meta.Load()
}

func (d *delegate) NotifyMsg(buf []byte) {
	d.n.handleMessage(buf)
}

// GetBroadcasts hands over queued gossip, in protocol 1 while a member of
// the previous release is alive (protocol.go): every member reads it then.
func (d *delegate) GetBroadcasts(overhead, limit int) [][]byte {
	msgs := d.n.queue.GetBroadcasts(overhead, limit)
	if len(msgs) > 0 && d.n.members.olderProtocolAlive() {
		for i, m := range msgs {
			msgs[i] = downgradeEntryMsg(m)
		}
	}
	return msgs
}

// LocalState is this node's side of a push/pull, in protocol 1 while a
// member of the previous release is alive. A node that has just started does
// not know its peers yet and sends its first state in protocol 2; a member
// of the previous release drops it, and the next push/pull carries it.
//
// The whole store goes with a join (and the exchanges that catch up a member
// that came back, which are joins) and to members that cannot repair their
// store otherwise. Between members that all answer fetches, the periodic
// push/pull carries the clock alone: the digests in probe answers find what
// differs within seconds, and fetch moves only that, where whole states every
// PushPullInterval cost each node megabytes a minute once the cluster holds
// thousands of pods.
func (d *delegate) LocalState(join bool) []byte {
	older := d.n.members.olderProtocolAlive()
	if !join && !older && d.n.members.allFetch(d.n.cfg.NodeName) {
		return d.n.clockState()
	}
	buf := d.n.localState()
	if !older {
		return buf
	}
	old, err := downgradePushPull(buf, d.n.now())
	if err != nil {
		d.n.log.Error("send push/pull state", "err", err)
		return buf
	}
	return old
}

func (d *delegate) MergeRemoteState(buf []byte, join bool) {
	clock, entries, err := decodePushPull(buf, d.n.now())
	if isNewerProtocol(err) {
		d.n.log.Error("drop push/pull state of a newer podman-swarm; upgrade this node to the release of the other members", "err", err)
		return
	}
	if err != nil {
		d.n.log.Warn("drop push/pull state", "err", err)
		return
	}
	d.n.clock.Witness(clock)
	// A joining node takes in the cluster's state before Start returns.
	if err := d.n.storeRemote(entries, spreadNone, join); err != nil {
		d.n.log.Warn("push/pull state not stored", "err", err)
	}
	d.n.noticeRemovals(entries)
}

// events is the node as memberlist's EventDelegate. memberlist calls it from
// one goroutine at a time, in order.
type events struct {
	n *Node
}

var _ memberlist.EventDelegate = (*events)(nil)

// NotifyJoin records a member that came alive, and names it in an error if
// it runs another release (protocol.go).
func (e *events) NotifyJoin(node *memberlist.Node) {
	m, err := fromNode(node)
	if err != nil && !isNewerProtocol(err) {
		e.n.log.Warn("member joined with unreadable metadata", "err", err)
	}
	e.n.noticeProtocol(m, 0)
	older := e.n.members.olderProtocolAlive()
	// Each side of a pair sees the other come back; one exchange serves both.
	if e.n.members.alive(m) && e.n.cfg.NodeName < m.Name {
		// A member that comes back after a cut or an outage missed every write
		// made meanwhile, and gossip does not send those again: exchange whole
		// states with it now rather than at the next push/pull, up to
		// PushPullInterval later, so that the stale side of a healed partition
		// learns where its pods went within a second. Not from here: memberlist
		// holds its lock while it calls us.
		go e.n.syncWith(m)
	}
	e.n.noticeOlderGone(older)
}

// NotifyUpdate records new metadata, which a member restarted with another
// release also brings.
func (e *events) NotifyUpdate(node *memberlist.Node) {
	m, err := fromNode(node)
	if err != nil && !isNewerProtocol(err) {
		e.n.log.Warn("member updated with unreadable metadata", "err", err)
	}
	e.n.noticeProtocol(m, e.n.members.protocolOf(m.Name))
	older := e.n.members.olderProtocolAlive()
	e.n.members.updated(m)
	e.n.noticeOlderGone(older)
}

func (e *events) NotifyLeave(node *memberlist.Node) {
	older := e.n.members.olderProtocolAlive()
	e.n.members.gone(node.Name)
	e.n.noticeOlderGone(older)
}

// isNewerProtocol tells metadata of a newer release, which noticeProtocol
// reports, from unreadable metadata.
func isNewerProtocol(err error) bool {
	var newer *newerProtocolError
	return errors.As(err, &newer)
}

// handleMessage dispatches a message received by gossip or over TCP. It runs
// on memberlist's receive path, so anything slow goes to a goroutine.
func (n *Node) handleMessage(buf []byte) {
	if len(buf) == 0 {
		return
	}
	body := buf[1:]
	switch t := messageType(buf[0]); t {
	case msgEntry:
		e, err := decodeAnyEntryMsg(body, n.now())
		if err != nil {
			n.log.Warn("drop entry message", "err", err)
			return
		}
		n.applyRemote([]Entry{e}, spreadGossip)
		n.noticeRemovals([]Entry{e})
	case msgLeave:
		name, err := decodeLeaveMsg(body)
		if err != nil {
			n.log.Warn("drop leave message", "err", err)
			return
		}
		n.members.announcedLeave(name)
	case msgKeyRequest:
		req, err := decodeKeyRequest(body)
		if err != nil {
			n.log.Warn("drop key request", "err", err)
			return
		}
		go n.answerKeyRequest(req)
	case msgKeyResponse:
		resp, err := decodeKeyResponse(body)
		if err != nil {
			n.log.Warn("drop key response", "err", err)
			return
		}
		n.rotations.deliver(resp.ID, resp)
	case msgReplicate:
		m, err := decodeReplicateMsg(body, n.now())
		if err != nil {
			n.log.Warn("drop write message", "err", err)
			return
		}
		go n.answerReplicate(m)
	case msgReplicateAck:
		a, err := decodeReplicateAck(body)
		if err != nil {
			n.log.Warn("drop write confirmation", "err", err)
			return
		}
		n.deliverAck(a)
	case msgFetch, msgFetchExact:
		r, err := decodeFetchRequest(body, t == msgFetchExact)
		if err != nil {
			n.log.Warn("drop fetch request", "err", err)
			return
		}
		go n.answerFetch(r)
	case msgIncoming:
		writer, at, err := decodeIncoming(body)
		if err != nil {
			n.log.Warn("drop note of a write on its way", "err", err)
			return
		}
		n.awaited.expect(writer, at, n.now())
	case msgFetchChunk:
		c, err := decodeFetchChunk(body, n.now())
		if err != nil {
			n.log.Warn("drop fetched entries", "err", err)
			return
		}
		n.fetchWait.deliver(c.ID, c)
	default:
		n.log.Warn("drop message of unknown type", "type", int(t))
	}
}
