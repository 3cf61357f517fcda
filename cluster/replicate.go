package cluster

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/hashicorp/memberlist"
)

// ErrNotConfirmed is matched (errors.Is) by the error of a write that is on
// this node's disk but was not confirmed by as many other members as asked
// in time. The write stands: it spreads as any other.
var ErrNotConfirmed = errors.New("stored on this node, not yet confirmed by another node")

// UnconfirmedError says which members confirmed a write and why the others
// did not.
type UnconfirmedError struct {
	Confirmed []string // members that wrote it to disk
	Missing   []string // "name: why", sorted
}

func (e *UnconfirmedError) Error() string {
	var b strings.Builder
	b.WriteString("stored on this node")
	if len(e.Confirmed) > 0 {
		b.WriteString(" and on " + strings.Join(e.Confirmed, ", ") + ", not yet confirmed by every other node")
	} else {
		b.WriteString(", not yet confirmed by another node")
	}
	if len(e.Missing) > 0 {
		b.WriteString(": " + strings.Join(e.Missing, "; "))
	}
	return b.String()
}

func (e *UnconfirmedError) Is(target error) bool { return target == ErrNotConfirmed }

// peerAnswer is one member's answer to one write: confirmed, or why not.
type peerAnswer struct {
	From  string
	Error string // empty when the member wrote the write to disk
}

// replicate sends a committed write straight to every other alive member
// and waits until as many as ack asks have written it to disk. Members that
// answer later, or not at all, still get it: from this send, or from the
// next push/pull. Members of the previous release get it in their own
// protocol and cannot confirm it (protocol.go).
func (n *Node) replicate(ctx context.Context, entries []Entry, ack Ack) error {
	peers, older := n.splitOlder(n.alivePeers())
	n.sendToOlder(older, entries)
	if len(peers) == 0 {
		if len(older) > 0 {
			return &UnconfirmedError{Missing: olderMissing(older)}
		}
		return nil // alone: this node's disk is all there is
	}
	need := 1
	if ack == AckAll {
		need = len(peers)
	}
	id, answers := n.acks.open(len(peers))
	defer n.acks.close(id)
	item := replicateItem{ID: id, WantAck: true, Entries: entries}.withEncoding(n.now())
	n.announceWrite(peers, item)
	for _, p := range peers {
		n.links.send(n, p, item)
	}
	err := waitAcks(ctx, peers, need, answers, time.Now())
	if ack == AckAll && len(older) > 0 {
		return withOlderMissing(err, peers, older)
	}
	return err
}

// waitAcks collects answers until need members confirmed, every member
// answered, or ctx ended.
func waitAcks(ctx context.Context, peers []*memberlist.Node, need int, answers <-chan peerAnswer, start time.Time) error {
	waiting := make(map[string]bool, len(peers))
	for _, p := range peers {
		waiting[p.Name] = true
	}
	var confirmed, missing []string
	for len(confirmed) < need && len(waiting) > 0 {
		select {
		case a := <-answers:
			if !waiting[a.From] {
				continue
			}
			delete(waiting, a.From)
			if a.Error == "" {
				confirmed = append(confirmed, a.From)
			} else {
				missing = append(missing, a.From+": "+a.Error)
			}
		case <-ctx.Done():
			why := fmt.Sprintf("no answer within %s", time.Since(start).Round(time.Millisecond))
			if !errors.Is(ctx.Err(), context.DeadlineExceeded) {
				why = "no answer before the request ended"
			}
			for name := range waiting {
				missing = append(missing, name+": "+why)
			}
			waiting = nil
		}
	}
	if len(confirmed) >= need {
		return nil
	}
	slices.Sort(confirmed)
	slices.Sort(missing)
	return &UnconfirmedError{Confirmed: confirmed, Missing: missing}
}

// answerReplicate stores the writes of a message from their writer as one
// commit and, for those that ask, confirms them once they are on this
// node's disk. It runs in its own goroutine.
func (n *Node) answerReplicate(m replicateMsg) {
	var entries []Entry
	var ids []uint64
	for _, it := range m.Items {
		if len(m.Items) == 1 {
			entries = it.Entries // one large write, not copied
		} else {
			entries = append(entries, it.Entries...)
		}
		if it.WantAck {
			ids = append(ids, it.ID)
		}
	}
	err := n.storeRemote(entries, spreadNone, len(ids) > 0)
	n.awaited.arrived(m.From, writeTime(m.From, entries))
	if len(ids) == 0 {
		return
	}
	a := replicateAck{From: n.cfg.NodeName, IDs: ids}
	if err != nil {
		a.Error = err.Error()
		n.log.Warn("writes from a member not stored", "from", m.From, "writes", len(ids), "err", err)
	}
	if member, ok := n.memberNode(m.From); ok {
		if err := n.ml.Load().SendReliable(member, encodeReplicateAck(a)); err != nil {
			n.log.Warn("confirm writes", "to", m.From, "err", err)
		}
		return
	}
	n.log.Warn("confirm writes: the writer is gone", "to", m.From)
}

// deliverAck hands a member's answer to every write it names.
func (n *Node) deliverAck(a replicateAck) {
	for _, id := range a.IDs {
		n.acks.deliver(id, peerAnswer{From: a.From, Error: a.Error})
	}
}
