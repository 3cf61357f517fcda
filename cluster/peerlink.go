package cluster

import (
	"sync"

	"github.com/hashicorp/memberlist"
)

// maxLinkBatch bounds the bytes of the writes that go to a member in one
// message; a larger write goes alone.
const maxLinkBatch = 4 << 20

// A message of a large write takes three buffers of its size to send (this
// package's encoding, then memberlist's framing and its encryption), and a write
// goes to every member at once: 5,000 pods placed in one write were some 250 MB
// of buffers on a leader of 50 members, every page of them fresh. At most
// largeSendSlots such messages are on their way at a time; the others wait for a
// slot, and reuse the memory the ones before them freed.
const (
	largeSendBytes = 256 << 10
	largeSendSlots = 8
)

// peerLinks sends committed writes straight to members, one message at a
// time to each: the writes that arrive while a message is on its way wait
// and go together in the next one, so that concurrent writers share
// connections and the member's flushes as they share this node's.
type peerLinks struct {
	mu    sync.Mutex
	links map[string]*peerLink
	large chan struct{} // the slots of large messages; made on first use
}

// peerLink is what waits for one member.
type peerLink struct {
	to      *memberlist.Node // the member as last seen
	pending []replicateItem
}

// send queues a write for a member, and starts a sender for it unless one
// runs.
func (l *peerLinks) send(n *Node, to *memberlist.Node, it replicateItem) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.links == nil {
		l.links = make(map[string]*peerLink)
		l.large = make(chan struct{}, largeSendSlots)
	}
	link, running := l.links[to.Name]
	if !running {
		link = &peerLink{}
		l.links[to.Name] = link
	}
	link.to = to
	link.pending = append(link.pending, it)
	if !running {
		go l.run(n, to.Name, link)
	}
}

// run sends what waits for one member until nothing does. A failed send
// drops what waits too, answering the writes that asked: the member gets
// them at its next push/pull, and a member that cannot be reached should
// not hold up writes that are still to come.
func (l *peerLinks) run(n *Node, name string, link *peerLink) {
	ml := n.ml.Load()
	for {
		l.mu.Lock()
		if len(link.pending) == 0 {
			delete(l.links, name)
			l.mu.Unlock()
			return
		}
		batch, size := []replicateItem{link.pending[0]}, itemSize(link.pending[0])
		for _, it := range link.pending[1:] {
			if size += itemSize(it); size > maxLinkBatch {
				break
			}
			batch = append(batch, it)
		}
		link.pending = link.pending[len(batch):]
		to := link.to
		l.mu.Unlock()

		err := l.sendOne(n, ml, to, batch, size)
		if err == nil {
			continue
		}
		l.mu.Lock()
		batch = append(batch, link.pending...)
		delete(l.links, name)
		l.mu.Unlock()
		n.log.Warn("writes not sent to a member; push/pull will carry them", "member", name, "writes", len(batch), "err", err)
		for _, it := range batch {
			if it.WantAck {
				n.acks.deliver(it.ID, peerAnswer{From: name, Error: "not reached: " + err.Error()})
			}
		}
		return
	}
}

// sendOne sends batch, of about size bytes, to a member: when it is large, once a slot
// is free.
func (l *peerLinks) sendOne(n *Node, ml *memberlist.Memberlist, to *memberlist.Node, batch []replicateItem, size int) error {
	if size >= largeSendBytes {
		select {
		case l.large <- struct{}{}:
			defer func() { <-l.large }()
		case <-n.stop:
			return ErrClosed
		}
	}
	return ml.SendReliable(to, encodeReplicateMsg(replicateMsg{From: n.cfg.NodeName, Items: batch}, n.now()))
}

func itemSize(it replicateItem) int {
	size := 16
	for _, e := range it.Entries {
		size += entrySize(e)
	}
	return size
}
