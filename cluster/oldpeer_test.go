package cluster

import (
	"bytes"
	"io"
	"sync"
	"testing"
	"time"

	"github.com/hashicorp/memberlist"
)

// oldPeer plays a node of the previous release on real memberlist, on loopback:
// it gossips metadata of protocol 1, sends push/pull states and entry
// messages of protocol 1, and reads only those, counting what it has to drop
// as that release does.
type oldPeer struct {
	name    string
	started time.Time
	ml      *memberlist.Memberlist
	queue   *memberlist.TransmitLimitedQueue

	mu          sync.Mutex
	meta        []byte
	clock       uint64
	entries     map[string]Entry
	merged      int // push/pull states read
	droppedPP   int // push/pull states refused
	droppedMsgs int // messages refused: entries of another layout, unknown types
}

// startOldPeer starts an old peer holding entries and joins it to addr.
// pushPull, if not zero, replaces the test default of 500 ms between its
// push/pull exchanges.
func startOldPeer(t *testing.T, name, token, addr string, started time.Time, pushPull time.Duration, entries ...Entry) *oldPeer {
	t.Helper()
	p := &oldPeer{name: name, started: started, entries: map[string]Entry{}}
	p.meta = oldEncodeMeta(started, map[string]string{"api": "127.0.0.1:7070", "rt": "none"})
	for _, e := range entries {
		p.entries[e.Key] = e
		p.clock = max(p.clock, e.Version.Time)
	}
	key, err := gossipKey(token)
	if err != nil {
		t.Fatal(err)
	}
	cfg := fastConfig(name, t.TempDir())
	if pushPull != 0 {
		cfg.PushPullInterval = pushPull
	}
	mc := cfg.withDefaults().memberlistConfig()
	mc.Keyring, err = memberlist.NewKeyring(nil, key)
	if err != nil {
		t.Fatal(err)
	}
	mc.Delegate = p
	mc.LogOutput = io.Discard
	// memberlist gossips before Create returns: the queue cannot ask it for
	// the number of members, and the few nodes of a test need no more.
	p.queue = &memberlist.TransmitLimitedQueue{NumNodes: func() int { return 4 }, RetransmitMult: mc.RetransmitMult}
	ml, err := memberlist.Create(mc)
	if err != nil {
		t.Fatalf("start old peer: %v", err)
	}
	p.ml = ml
	t.Cleanup(func() { _ = ml.Shutdown() })
	if _, err := ml.Join([]string{addr}); err != nil {
		t.Fatalf("old peer joins %s: %v", addr, err)
	}
	return p
}

// put writes an entry as the previous release does and gossips it.
func (p *oldPeer) put(key string, value []byte) {
	p.mu.Lock()
	p.clock++
	e := Entry{Key: key, Value: value, Version: Version{Time: p.clock, Node: p.name}, Modified: time.Now()}
	p.entries[key] = e
	p.mu.Unlock()
	p.queue.QueueBroadcast(&entryBroadcast{key: key, msg: oldEncodeEntryMsg(e)})
}

// setMeta changes what the peer gossips about itself and announces it.
func (p *oldPeer) setMeta(t *testing.T, meta []byte) {
	t.Helper()
	p.mu.Lock()
	p.meta = meta
	p.mu.Unlock()
	if err := p.ml.UpdateNode(2 * time.Second); err != nil {
		t.Fatalf("old peer announces its metadata: %v", err)
	}
}

func (p *oldPeer) value(key string) ([]byte, bool) {
	p.mu.Lock()
	defer p.mu.Unlock()
	e, ok := p.entries[key]
	return e.Value, ok && !e.Deleted
}

func (p *oldPeer) counts() (merged, droppedPP, droppedMsgs int) {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.merged, p.droppedPP, p.droppedMsgs
}

func (p *oldPeer) merge(in []Entry) {
	for _, e := range in {
		p.clock = max(p.clock, e.Version.Time)
		if cur, ok := p.entries[e.Key]; !ok || e.Version.Compare(cur.Version) > 0 {
			p.entries[e.Key] = e
		}
	}
}

func (p *oldPeer) NodeMeta(limit int) []byte {
	p.mu.Lock()
	defer p.mu.Unlock()
	return bytes.Clone(p.meta)
}

// NotifyMsg reads entry messages of protocol 1. Like the previous release,
// it drops anything else but the messages whose layout did not change
// (leave, key rotation), which it ignores here.
func (p *oldPeer) NotifyMsg(buf []byte) {
	if len(buf) == 0 {
		return
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	switch messageType(buf[0]) {
	case oldMsgEntry:
		e, err := oldDecodeEntryMsg(buf[1:])
		if err != nil {
			p.droppedMsgs++
			return
		}
		p.merge([]Entry{e})
	case msgLeave, msgKeyRequest, msgKeyResponse:
	default:
		p.droppedMsgs++
	}
}

func (p *oldPeer) GetBroadcasts(overhead, limit int) [][]byte {
	return p.queue.GetBroadcasts(overhead, limit)
}

func (p *oldPeer) LocalState(join bool) []byte {
	p.mu.Lock()
	defer p.mu.Unlock()
	entries := make([]Entry, 0, len(p.entries))
	for _, e := range p.entries {
		entries = append(entries, e)
	}
	return oldEncodePushPull(p.clock, entries)
}

func (p *oldPeer) MergeRemoteState(buf []byte, join bool) {
	clock, entries, err := oldDecodePushPull(buf)
	p.mu.Lock()
	defer p.mu.Unlock()
	if err != nil {
		p.droppedPP++
		return
	}
	p.merged++
	p.clock = max(p.clock, clock)
	p.merge(entries)
}
