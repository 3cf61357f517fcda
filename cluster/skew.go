package cluster

import (
	"encoding/binary"
	"sync"
	"time"

	"github.com/hashicorp/memberlist"
)

// maxClockSkew is how far a peer's wall clock may be from this node's before
// a warning. Nothing in the cluster depends on clocks agreeing, but people
// compare the times in logs and in what the API shows, so a node far off is
// worth a word.
const maxClockSkew = 30 * time.Second

// ackClockVersion leads the probe answer's payload: this node's wall clock.
const ackClockVersion = 1

// pings is the node as memberlist's PingDelegate: every probe answer carries
// the answering node's wall clock, and the prober compares it with its own
// at the middle of the round trip.
type pings struct {
	n *Node
}

var _ memberlist.PingDelegate = (*pings)(nil)

// AckPayload is the clock, then the store's digest (digest.go), which a reader of the
// clock alone ignores.
func (p *pings) AckPayload() []byte {
	b := binary.AppendVarint([]byte{ackClockVersion}, p.n.now().UnixNano())
	return appendDigest(b, p.n.storeDigest())
}

func (p *pings) NotifyPingComplete(other *memberlist.Node, rtt time.Duration, payload []byte) {
	theirs, rest, ok := splitAckClock(payload)
	if !ok {
		return
	}
	if d, ok := decodeDigest(rest); ok {
		p.n.noticeDigest(other.Name, d)
	}
	offset := clockOffset(theirs, p.n.now(), rtt)
	switch p.n.skew.observe(other.Name, offset) {
	case skewStarted:
		p.n.log.Warn("a member's wall clock is far from this node's: the cluster does not depend on it, but times in logs and in the API will disagree; check time synchronisation (NTP) on both",
			"member", other.Name, "offset", offset.Round(time.Millisecond), "limit", maxClockSkew)
	case skewEnded:
		p.n.log.Info("a member's wall clock is close to this node's again", "member", other.Name, "offset", offset.Round(time.Millisecond))
	}
}

func decodeAckClock(payload []byte) (time.Time, bool) {
	t, _, ok := splitAckClock(payload)
	return t, ok
}

// splitAckClock reads the clock of a probe answer, and returns what follows it.
func splitAckClock(payload []byte) (time.Time, []byte, bool) {
	if len(payload) < 2 || payload[0] != ackClockVersion {
		return time.Time{}, nil, false
	}
	v, n := binary.Varint(payload[1:])
	if n <= 0 {
		return time.Time{}, nil, false
	}
	return time.Unix(0, v), payload[1+n:], true
}

// clockOffset estimates how far ahead of ours a peer's clock is, from the
// time it put in its answer and ours when the answer arrived rtt after the
// probe left: the answer was written about half a round trip ago.
func clockOffset(theirs, ours time.Time, rtt time.Duration) time.Duration {
	return theirs.Sub(ours.Add(-rtt / 2))
}

type skewChange int

const (
	skewSame skewChange = iota
	skewStarted
	skewEnded
)

// skewTracker remembers which peers are off, so that each is reported once
// when it goes off and once when it comes back, not at every probe.
type skewTracker struct {
	mu  sync.Mutex
	off map[string]bool
}

func (t *skewTracker) observe(peer string, offset time.Duration) skewChange {
	t.mu.Lock()
	defer t.mu.Unlock()
	if t.off == nil {
		t.off = make(map[string]bool)
	}
	off := offset > maxClockSkew || offset < -maxClockSkew
	if off == t.off[peer] {
		return skewSame
	}
	if off {
		t.off[peer] = true
		return skewStarted
	}
	delete(t.off, peer)
	return skewEnded
}
