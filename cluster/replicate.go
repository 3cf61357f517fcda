package cluster

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync"
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

// replicateMsg carries one committed write straight to a member. With
// WantAck the member answers once the entries are on its disk.
type replicateMsg struct {
	ID      uint64
	From    string
	WantAck bool
	Entries []Entry
}

// replicateAck answers a replicateMsg.
type replicateAck struct {
	ID    uint64
	From  string
	Error string // empty when the member wrote the entries to disk
}

func encodeReplicateMsg(m replicateMsg) []byte {
	b := []byte{byte(msgReplicate)}
	b = appendUvarint(b, m.ID)
	b = appendString(b, m.From)
	var flags byte
	if m.WantAck {
		flags = 1
	}
	b = append(b, flags)
	b = appendUvarint(b, uint64(len(m.Entries)))
	for _, e := range m.Entries {
		b = appendEntry(b, e)
	}
	return b
}

func decodeReplicateMsg(body []byte) (replicateMsg, error) {
	d := decoder{buf: body}
	m := replicateMsg{ID: d.uvarint(), From: d.string(), WantAck: d.byte()&1 != 0}
	count := d.count(minEncodedEntry)
	m.Entries = make([]Entry, 0, count)
	for range count {
		m.Entries = append(m.Entries, d.entry())
	}
	return m, d.done()
}

func encodeReplicateAck(a replicateAck) []byte {
	b := []byte{byte(msgReplicateAck)}
	b = appendUvarint(b, a.ID)
	b = appendString(b, a.From)
	return appendString(b, a.Error)
}

func decodeReplicateAck(body []byte) (replicateAck, error) {
	d := decoder{buf: body}
	a := replicateAck{ID: d.uvarint(), From: d.string(), Error: d.string()}
	return a, d.done()
}

// ackWaiters routes acknowledgements to the write waiting for them.
type ackWaiters struct {
	mu      sync.Mutex
	nextID  uint64
	pending map[uint64]chan replicateAck
}

func (w *ackWaiters) open(peers int) (uint64, <-chan replicateAck) {
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.pending == nil {
		w.pending = make(map[uint64]chan replicateAck)
	}
	w.nextID++
	// Room for an answer and a send failure from every peer, so that
	// deliver never blocks the receive path.
	ch := make(chan replicateAck, 2*peers)
	w.pending[w.nextID] = ch
	return w.nextID, ch
}

func (w *ackWaiters) close(id uint64) {
	w.mu.Lock()
	defer w.mu.Unlock()
	delete(w.pending, id)
}

func (w *ackWaiters) deliver(a replicateAck) {
	w.mu.Lock()
	defer w.mu.Unlock()
	if ch, ok := w.pending[a.ID]; ok {
		select {
		case ch <- a:
		default:
		}
	}
}

// replicate sends a committed write to every other alive member at once and
// waits until as many as ack asks have written it to disk. Members that
// answer later, or not at all, still get it: from this send, or from the
// next push/pull.
func (n *Node) replicate(ctx context.Context, entries []Entry, ack Ack) error {
	ml := n.ml.Load()
	var peers []*memberlist.Node
	for _, m := range ml.Members() {
		if m.Name != n.cfg.NodeName {
			peers = append(peers, m)
		}
	}
	if len(peers) == 0 {
		return nil // alone: this node's disk is all there is
	}
	need := 1
	if ack == AckAll {
		need = len(peers)
	}
	id, answers := n.acks.open(len(peers))
	defer n.acks.close(id)
	msg := encodeReplicateMsg(replicateMsg{ID: id, From: n.cfg.NodeName, WantAck: true, Entries: entries})
	for _, p := range peers {
		go func() {
			if err := ml.SendReliable(p, msg); err != nil {
				n.acks.deliver(replicateAck{ID: id, From: p.Name, Error: "not reached: " + err.Error()})
			}
		}()
	}
	return waitAcks(ctx, peers, need, answers, time.Now())
}

// waitAcks collects answers until need members confirmed, every member
// answered, or ctx ended.
func waitAcks(ctx context.Context, peers []*memberlist.Node, need int, answers <-chan replicateAck, start time.Time) error {
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

// answerReplicate stores a write sent by its writer and, if asked, confirms
// it once it is on this node's disk. It runs in its own goroutine.
func (n *Node) answerReplicate(m replicateMsg) {
	err := n.storeRemote(m.Entries, spreadNone, m.WantAck)
	if !m.WantAck {
		return
	}
	a := replicateAck{ID: m.ID, From: n.cfg.NodeName}
	if err != nil {
		a.Error = err.Error()
		n.log.Warn("write from a member not stored", "from", m.From, "err", err)
	}
	ml := n.ml.Load()
	for _, member := range ml.Members() {
		if member.Name == m.From {
			if err := ml.SendReliable(member, encodeReplicateAck(a)); err != nil {
				n.log.Warn("confirm a write", "to", m.From, "err", err)
			}
			return
		}
	}
	n.log.Warn("confirm a write: the writer is gone", "to", m.From)
}
