package cluster

import (
	"sync"
	"time"

	"github.com/hashicorp/memberlist"
)

// A write of thousands of entries that its writer sends straight to every member takes
// seconds to reach the last of them on a busy machine, and the writer's messages to one
// member go one after the other. Meanwhile the members that have it already show it in
// their digests, and a member still waiting, its store quiet and no stream open to it,
// would fetch it from one of them (fetch.go), then receive it again from the writer: in a
// burst of writes a member received the whole state twice and more. So before a large
// write goes on its way, its writer sends each member a note of a few bytes by UDP
// (msgIncoming), and a member does not fetch while a write announced to it has not
// arrived, for at most incomingWait: a note whose write never comes (its writer died, the
// send failed) holds a fetch back no longer than that.
const (
	// announceMinBytes is the size from which a write is announced: a smaller one arrives
	// about as fast as its note would.
	announceMinBytes = 64 << 10
	incomingWait     = 5 * time.Second
)

// awaited are the writes announced to this node and not yet arrived, by writer. A write
// is known by its Lamport time, which a writer's writes raise one after the other, so a
// note that comes after its write (UDP overtaken by TCP) holds nothing back.
type awaited struct {
	mu      sync.Mutex
	writers map[string]*awaitedWrites
}

type awaitedWrites struct {
	announced uint64    // the latest write announced
	until     time.Time // when this node stops waiting for it
	arrived   uint64    // the latest write arrived
}

// expect notes that writer announced its write of Lamport time at, at now.
func (a *awaited) expect(writer string, at uint64, now time.Time) {
	a.mu.Lock()
	defer a.mu.Unlock()
	w := a.of(writer)
	if at > w.arrived {
		w.announced, w.until = max(w.announced, at), now.Add(incomingWait)
	}
}

// arrived notes that the writes of writer up to Lamport time at arrived.
func (a *awaited) arrived(writer string, at uint64) {
	a.mu.Lock()
	defer a.mu.Unlock()
	w := a.of(writer)
	w.arrived = max(w.arrived, at)
}

func (a *awaited) of(writer string) *awaitedWrites {
	if a.writers == nil {
		a.writers = map[string]*awaitedWrites{}
	}
	w := a.writers[writer]
	if w == nil {
		w = &awaitedWrites{}
		a.writers[writer] = w
	}
	return w
}

// waiting reports whether a write announced to this node is still on its way at now.
func (a *awaited) waiting(now time.Time) bool {
	a.mu.Lock()
	defer a.mu.Unlock()
	for _, w := range a.writers {
		if w.announced > w.arrived && w.until.After(now) {
			return true
		}
	}
	return false
}

// writeTime is the Lamport time of the latest write of writer among entries, 0 if none.
func writeTime(writer string, entries []Entry) uint64 {
	var at uint64
	for _, e := range entries {
		if e.Version.Node == writer {
			at = max(at, e.Version.Time)
		}
	}
	return at
}

// announceWrite sends every peer that reads notes of writes on their way (nodeMeta.
// Announces) a note of item, when it is large enough to take a while.
func (n *Node) announceWrite(peers []*memberlist.Node, item replicateItem) {
	if itemSize(item) < announceMinBytes {
		return
	}
	note := encodeIncoming(n.cfg.NodeName, writeTime(n.cfg.NodeName, item.Entries))
	ml := n.ml.Load()
	for _, p := range peers {
		if !n.members.readsNotes(p.Name) {
			continue
		}
		if err := ml.SendBestEffort(p, note); err != nil {
			n.log.Debug("announce a write", "to", p.Name, "err", err)
		}
	}
}

func encodeIncoming(writer string, at uint64) []byte {
	return appendUvarint(appendString([]byte{byte(msgIncoming)}, writer), at)
}

func decodeIncoming(body []byte) (writer string, at uint64, err error) {
	d := decoder{buf: body}
	writer, at = d.string(), d.uvarint()
	return writer, at, d.done()
}
