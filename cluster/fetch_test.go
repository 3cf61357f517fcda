package cluster

import (
	"context"
	"fmt"
	"math/rand/v2"
	"net"
	"slices"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/hashicorp/memberlist"
)

// noPushPull leaves the digest and fetch, and the direct sends, as the only repair: a
// push/pull an hour away never comes during a test.
func noPushPull(c *Config) { c.PushPullInterval = time.Hour }

// writtenBy returns count entries as a writer that is gone would have made them.
func writtenBy(writer, prefix string, count, size int) []Entry {
	out := make([]Entry, count)
	now := time.Now()
	for i := range out {
		out[i] = Entry{
			Key:      prefix + strconv.Itoa(i),
			Value:    []byte(fmt.Sprintf("%0*d", size, i)),
			Version:  Version{Time: 1000 + uint64(i), Node: writer},
			Modified: now,
			Received: now,
		}
	}
	return out
}

// holdOnly stores entries on n alone, as if n were the one member a write reached
// before its writer died: neither gossip nor direct sends carry them further.
func holdOnly(t *testing.T, n *Node, entries []Entry) {
	t.Helper()
	if err := n.storeRemote(entries, spreadNone, true); err != nil {
		t.Fatal(err)
	}
}

// waitHolds waits until every node holds every entry, at its version.
func waitHolds(t *testing.T, nodes []*Node, entries []Entry) {
	t.Helper()
	waitFor(t, 20*time.Second, fmt.Sprintf("every node holds the %d entries", len(entries)), func() bool {
		for _, n := range nodes {
			for _, e := range entries {
				got, ok := n.entry(e.Key)
				if !ok || got.Version != e.Version {
					return false
				}
			}
		}
		return true
	})
}

// waitSameDigest waits until every node's digest is the same.
func waitSameDigest(t *testing.T, nodes []*Node) {
	t.Helper()
	waitFor(t, 20*time.Second, "every node has the same digest", func() bool {
		root := nodes[0].storeDigest().root
		for _, n := range nodes[1:] {
			if n.storeDigest().root != root {
				return false
			}
		}
		return true
	})
}

func TestFetchBringsWhatOneNodeHolds(t *testing.T) {
	nodes := startCluster(t, 4, noPushPull)
	entries := writtenBy("gone", "pods/a/", 300, 200)
	holdOnly(t, nodes[1], entries)
	waitHolds(t, nodes, entries)
	waitSameDigest(t, nodes)
}

func TestLateJoinerCatchesUpByFetch(t *testing.T) {
	nodes := startCluster(t, 3, noPushPull)
	entries := writtenBy("gone", "pods/b/", 200, 100)
	// The joiner's seed, n0, lacks them: the join's state exchange cannot bring them.
	holdOnly(t, nodes[2], entries)
	cfg := fastConfig("late", t.TempDir())
	noPushPull(&cfg)
	cfg.Join = []string{nodes[0].Addr()}
	cfg.JoinToken = nodes[0].JoinToken()
	late := start(t, cfg)
	waitHolds(t, []*Node{late}, entries)
	waitSameDigest(t, append(nodes, late))
}

// TestConvergeUnderLossAndPartition writes by gossip alone on nodes that lose a third of
// their packets, then on both sides of a partition, and checks that every node ends with
// every write, without push/pull.
func TestConvergeUnderLossAndPartition(t *testing.T) {
	ln := &lossyNet{loss: 0.3}
	nodes := startCluster(t, 4, func(c *Config) { noPushPull(c); c.WrapTransport = ln.wrap })
	ln.setLoss(0.3)
	for i := range 60 {
		mustPut(t, nodes[i%4], "lossy/"+strconv.Itoa(i), "v"+strconv.Itoa(i))
	}
	ln.setLoss(0)
	waitSameDigest(t, nodes)
	for i := range 60 {
		waitValue(t, nodes, "lossy/"+strconv.Itoa(i), []byte("v"+strconv.Itoa(i)))
	}

	ln.partition(nodes[:2], nodes[2:])
	waitAlive(t, nodes, 2)
	mustPut(t, nodes[0], "left", "l")
	mustPut(t, nodes[3], "right", "r")
	ln.heal()
	waitAlive(t, nodes, 4)
	waitValue(t, nodes, "left", []byte("l"))
	waitValue(t, nodes, "right", []byte("r"))
	waitSameDigest(t, nodes)
}

// TestFetchRetriesWhenThePeerVanishes cuts the answer of the first member asked after its
// first chunk, and checks that the fetch is taken up from the other member that holds
// the entries.
func TestFetchRetriesWhenThePeerVanishes(t *testing.T) {
	ln := &lossyNet{}
	nodes := startCluster(t, 3, func(c *Config) { noPushPull(c); c.WrapTransport = ln.wrap })
	entries := writtenBy("gone", "pods/c/", 2000, 600) // three chunks
	victim := nodes[2]
	ln.trap(victim.Addr())
	holdOnly(t, nodes[0], entries)
	holdOnly(t, nodes[1], entries)
	waitHolds(t, nodes, entries)
	if ln.trippedBy() == "" {
		t.Fatal("no answer was cut midway: the test proved nothing")
	}
	waitSameDigest(t, nodes)
}

func TestDigestFollowsTheStore(t *testing.T) {
	a := map[string]Entry{}
	b := map[string]Entry{}
	for _, e := range writtenBy("w", "k/", 50, 10) {
		a[e.Key] = e
		b[e.Key] = e
	}
	ba, ca := digestOf(a)
	bb, cb := digestOf(b)
	if ba != bb || ca != cb || rootOf(&ba) != rootOf(&bb) {
		t.Fatal("the same entries give different digests")
	}
	e := b["k/7"]
	e.Version.Time++
	b["k/7"] = e
	bb, _ = digestOf(b)
	diff := 0
	for i := range ba {
		if ba[i] != bb[i] {
			diff++
			if i != bucketOf("k/7") {
				t.Errorf("bucket %d differs, want only %d", i, bucketOf("k/7"))
			}
		}
	}
	if diff != 1 || rootOf(&ba) == rootOf(&bb) {
		t.Fatalf("a newer version changed %d buckets and the root %v", diff, rootOf(&ba) != rootOf(&bb))
	}
	d, ok := decodeDigest(appendDigest(nil, storeDigest{root: 42, count: 7}))
	if !ok || d.root != 42 || d.count != 7 {
		t.Fatalf("digest round trip: %+v %v", d, ok)
	}
	if _, ok := decodeDigest(nil); ok {
		t.Error("an empty digest decoded")
	}
}

func TestFetchMessagesRoundTrip(t *testing.T) {
	var r fetchRequest
	r.ID, r.From = 9, "n1"
	for i := range r.Buckets {
		r.Buckets[i] = uint64(i) * 7919
	}
	enc := encodeFetchRequest(r)
	got, err := decodeFetchRequest(enc[1:], false)
	if err != nil || messageType(enc[0]) != msgFetch || got.ID != r.ID || got.From != r.From || got.Buckets != r.Buckets || got.Held != nil {
		t.Fatalf("request: %v, %+v", err, got.ID)
	}
	r.Held = []uint64{1, 1 << 63, 42}
	enc = encodeFetchRequest(r)
	got, err = decodeFetchRequest(enc[1:], true)
	if err != nil || messageType(enc[0]) != msgFetchExact || got.Buckets != r.Buckets || !slices.Equal(got.Held, r.Held) {
		t.Fatalf("exact request: %v, %v", err, got.Held)
	}
	// A member of the last release reads a msgFetch whole, and nothing after the buckets.
	if _, err := decodeFetchRequest(enc[1:], false); err == nil {
		t.Error("a plain request with hashes after its buckets was read")
	}
	for cut := 1; cut < len(enc)-1; cut += 97 {
		if _, err := decodeFetchRequest(enc[1:cut], true); err == nil {
			t.Fatalf("an exact request cut to %d bytes was read", cut)
		}
	}
	lying := append(encodeFetchRequest(fetchRequest{ID: 1, From: "n"})[1:], 0xff, 0xff, 0x03)
	if _, err := decodeFetchRequest(lying, true); err == nil {
		t.Error("a count of hashes beyond the message was read")
	}
	entries := writtenBy("w", "k/", 3000, 400)
	chunks := fetchChunks(5, "n2", entries)
	if len(chunks) < 2 || !chunks[len(chunks)-1].Last {
		t.Fatalf("%d chunks, last marked %v", len(chunks), chunks[len(chunks)-1].Last)
	}
	total := 0
	now := time.Now()
	for _, c := range chunks {
		size := 0
		for _, e := range c.Entries {
			size += entrySize(e)
		}
		if size > fetchChunkBytes {
			t.Errorf("a chunk of %d bytes", size)
		}
		back, err := decodeFetchChunk(encodeFetchChunk(c, now)[1:], now)
		if err != nil || back.ID != 5 || back.From != "n2" || back.Last != c.Last || len(back.Entries) != len(c.Entries) {
			t.Fatalf("chunk: %v", err)
		}
		total += len(back.Entries)
	}
	if total != len(entries) {
		t.Fatalf("%d entries in the chunks, want %d", total, len(entries))
	}
	if c := fetchChunks(1, "n", nil); len(c) != 1 || !c[0].Last || len(c[0].Entries) != 0 {
		t.Fatalf("nothing to send: %+v", c)
	}
}

// lossyNet wraps the transports of a test's nodes: it loses a share of the packets, cuts
// the links between groups, and can cut one member's answer to a fetch midway.
type lossyNet struct {
	mu      sync.Mutex
	loss    float64
	group   map[string]int
	trapTo  string         // gossip address whose incoming streams are counted
	dials   map[string]int // streams to trapTo by sender, since trap
	tripped string         // the sender whose second stream was refused
}

func (ln *lossyNet) setLoss(p float64) { ln.mu.Lock(); ln.loss = p; ln.mu.Unlock() }

func (ln *lossyNet) partition(groups ...[]*Node) {
	ln.mu.Lock()
	defer ln.mu.Unlock()
	ln.group = map[string]int{}
	for i, g := range groups {
		for _, n := range g {
			ln.group[n.Addr()] = i
		}
	}
}

func (ln *lossyNet) heal() { ln.mu.Lock(); ln.group = nil; ln.mu.Unlock() }

func (ln *lossyNet) trap(to string) {
	ln.mu.Lock()
	defer ln.mu.Unlock()
	ln.trapTo, ln.dials = to, map[string]int{}
}

func (ln *lossyNet) trippedBy() string { ln.mu.Lock(); defer ln.mu.Unlock(); return ln.tripped }

func (ln *lossyNet) cut(from, to string) bool {
	gf, okf := ln.group[from]
	gt, okt := ln.group[to]
	return okf && okt && gf != gt
}

func (ln *lossyNet) dropPacket(from, to string) bool {
	ln.mu.Lock()
	defer ln.mu.Unlock()
	return ln.cut(from, to) || (ln.loss > 0 && rand.Float64() < ln.loss)
}

func (ln *lossyNet) refuseStream(from, to string) bool {
	ln.mu.Lock()
	defer ln.mu.Unlock()
	if ln.cut(from, to) {
		return true
	}
	if to != ln.trapTo || ln.dials == nil {
		return false
	}
	ln.dials[from]++
	if ln.tripped == "" && ln.dials[from] == 2 {
		ln.tripped = from
	}
	return ln.tripped == from && ln.dials[from] >= 2
}

func (ln *lossyNet) wrap(inner memberlist.NodeAwareTransport) memberlist.NodeAwareTransport {
	nt := inner.(*memberlist.NetTransport)
	return &lossyTransport{NodeAwareTransport: inner, net: ln,
		self: net.JoinHostPort("127.0.0.1", strconv.Itoa(nt.GetAutoBindPort()))}
}

type lossyTransport struct {
	memberlist.NodeAwareTransport
	net  *lossyNet
	self string
}

func (w *lossyTransport) WriteTo(b []byte, addr string) (time.Time, error) {
	return w.WriteToAddress(b, memberlist.Address{Addr: addr})
}

func (w *lossyTransport) WriteToAddress(b []byte, a memberlist.Address) (time.Time, error) {
	if w.net.dropPacket(w.self, a.Addr) {
		return time.Now(), nil
	}
	return w.NodeAwareTransport.WriteToAddress(b, a)
}

func (w *lossyTransport) DialTimeout(addr string, timeout time.Duration) (net.Conn, error) {
	return w.DialAddressTimeout(memberlist.Address{Addr: addr}, timeout)
}

func (w *lossyTransport) DialAddressTimeout(a memberlist.Address, timeout time.Duration) (net.Conn, error) {
	if w.net.refuseStream(w.self, a.Addr) {
		return nil, errCut
	}
	return w.NodeAwareTransport.DialAddressTimeout(a, timeout)
}

// lackingHalf is what an exact fetch is for: the asker holds every other entry of the
// answerer's, and a tenth of the rest at an older version.
func lackingHalf(all []Entry) (asker []Entry, lacking int) {
	for i, e := range all {
		switch {
		case i%2 == 0:
			asker = append(asker, e)
		case i%10 == 1:
			old := e
			old.Version.Time--
			old.Value = []byte("older")
			asker = append(asker, old)
			lacking++
		default:
			lacking++
		}
	}
	return asker, lacking
}

func TestFetchAnswerLeavesOutWhatTheAskerHolds(t *testing.T) {
	all := writtenBy("w", "pods/x/", 600, 50)
	asker, lacking := lackingHalf(all)
	answerer := map[string]Entry{}
	for _, e := range all {
		answerer[e.Key] = e
	}
	held := map[string]Entry{}
	r := fetchRequest{ID: 1, From: "asker"}
	for _, e := range asker {
		held[e.Key] = e
		h, _ := entryHash(e)
		r.Held = append(r.Held, h)
	}
	r.Buckets, _ = digestOf(held)
	mine, _ := digestOf(answerer)

	got := fetchAnswer(answerer, &mine, r)
	if len(got) != lacking {
		t.Fatalf("an exact fetch answered %d entries, want the %d the asker lacks", len(got), lacking)
	}
	for _, e := range got {
		if h, ok := held[e.Key]; ok && h.Version == e.Version {
			t.Fatalf("%s sent though the asker holds it at %v", e.Key, e.Version)
		}
	}
	r.Held = nil
	if whole := fetchAnswer(answerer, &mine, r); len(whole) <= lacking {
		t.Fatalf("a fetch of whole buckets answered %d entries: the test shows nothing unless it is more than %d", len(whole), lacking)
	}
	r.Buckets = mine
	if none := fetchAnswer(answerer, &mine, r); len(none) != 0 {
		t.Fatalf("%d entries sent to an asker whose digest is the answerer's", len(none))
	}
}

// TestExactFetchBringsOnlyWhatIsLacking fetches, on real memberlist, from a member that
// holds twice what the asker does: what arrives is what the asker lacked, not the store.
func TestExactFetchBringsOnlyWhatIsLacking(t *testing.T) {
	nodes := startCluster(t, 2, noPushPull)
	all := writtenBy("gone", "pods/y/", 1200, 300)
	asker, lacking := lackingHalf(all)
	holdOnly(t, nodes[0], all)
	holdOnly(t, nodes[1], asker)
	if !nodes[1].members.answersExactFetch(nodes[0].cfg.NodeName) {
		t.Fatal("a member of this build does not say that it answers exact fetches")
	}
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	// The asker's own repair waits until its store has been quiet for fetchSettle; one
	// that ran first would only leave this fetch less to bring.
	got, err := nodes[1].fetchFrom(ctx, nodes[0].cfg.NodeName, true)
	if err != nil {
		t.Fatal(err)
	}
	if got > lacking {
		t.Fatalf("the fetch brought %d entries; the asker lacked %d", got, lacking)
	}
	waitHolds(t, nodes, all)
	waitSameDigest(t, nodes)
}
