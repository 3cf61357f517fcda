package cluster

import (
	"bytes"
	"context"
	"testing"
	"time"
)

func TestAwaitedWrites(t *testing.T) {
	var a awaited
	now := time.Unix(1000, 0)
	if a.waiting(now) {
		t.Fatal("waiting with nothing announced")
	}
	a.expect("w1", 10, now)
	if !a.waiting(now.Add(time.Second)) {
		t.Fatal("not waiting for an announced write")
	}
	a.arrived("w1", 9)
	if !a.waiting(now.Add(time.Second)) {
		t.Fatal("an earlier write ended the wait for a later one")
	}
	a.arrived("w1", 10)
	if a.waiting(now.Add(time.Second)) {
		t.Fatal("still waiting after the write arrived")
	}
	// A note overtaken by its write holds nothing back.
	a.expect("w1", 10, now.Add(2*time.Second))
	if a.waiting(now.Add(2 * time.Second)) {
		t.Fatal("waiting for a write that arrived before its note")
	}
	// A write that never comes is waited for incomingWait, no longer.
	a.expect("w2", 3, now)
	a.expect("w1", 11, now)
	a.arrived("w1", 11)
	if !a.waiting(now.Add(incomingWait - time.Millisecond)) {
		t.Fatal("one writer's arrival ended the wait for another's")
	}
	if a.waiting(now.Add(incomingWait)) {
		t.Fatal("still waiting after incomingWait")
	}
	if at := writeTime("w", []Entry{{Version: Version{Time: 4, Node: "w"}}, {Version: Version{Time: 9, Node: "x"}}, {Version: Version{Time: 7, Node: "w"}}}); at != 7 {
		t.Fatalf("write time %d, want 7: the writer's own latest", at)
	}
}

func TestIncomingNoteRoundTrip(t *testing.T) {
	b := encodeIncoming("node-7", 1<<40)
	if messageType(b[0]) != msgIncoming {
		t.Fatalf("type %d", b[0])
	}
	w, at, err := decodeIncoming(b[1:])
	if err != nil || w != "node-7" || at != 1<<40 {
		t.Fatalf("read %q %d %v", w, at, err)
	}
	for cut := 1; cut < len(b)-1; cut++ {
		if _, _, err := decodeIncoming(b[1:cut]); err == nil {
			t.Fatalf("a note cut to %d bytes was read", cut)
		}
	}
	if _, _, err := decodeIncoming(append(bytes.Clone(b[1:]), 0)); err == nil {
		t.Fatal("a note with a byte too many was read")
	}
}

// TestAnnouncedWriteHoldsBackAFetch announces to a member a write that does not come, and
// checks that the member does not fetch what a peer's digest shows it lacks while it waits
// for that write, and does once the wait is over.
func TestAnnouncedWriteHoldsBackAFetch(t *testing.T) {
	nodes := startCluster(t, 2, noPushPull)
	to, ok := nodes[0].memberNode(nodes[1].cfg.NodeName)
	if !ok || !nodes[0].members.readsNotes(nodes[1].cfg.NodeName) {
		t.Fatal("a member of this build does not say that it reads notes of writes")
	}
	if err := nodes[0].ml.Load().SendBestEffort(to, encodeIncoming("gone", 1<<30)); err != nil {
		t.Fatal(err)
	}
	waitFor(t, 5*time.Second, "the note arrives", func() bool { return nodes[1].awaited.waiting(nodes[1].now()) })
	announced := time.Now()
	entries := writtenBy("gone", "pods/z/", 100, 100)
	holdOnly(t, nodes[0], entries)
	// Without the note, the fetch comes within a probe interval or two (100 ms here) and
	// fetchSettle: nodes[1]'s store has been quiet since it started.
	for time.Since(announced) < incomingWait-time.Second {
		if _, ok := nodes[1].entry(entries[0].Key); ok {
			t.Fatalf("fetched %s after the note, while the write it announced was still awaited", time.Since(announced).Round(time.Millisecond))
		}
		time.Sleep(50 * time.Millisecond)
	}
	waitHolds(t, nodes, entries)
}

// TestLargeWriteIsAnnounced writes more than announceMinBytes on one node, and checks that
// the others were told it was coming, and stopped waiting once it came.
func TestLargeWriteIsAnnounced(t *testing.T) {
	nodes := startCluster(t, 3, noPushPull)
	var changes []Change
	for _, e := range writtenBy("x", "big/", 200, 500) {
		changes = append(changes, Change{Key: e.Key, Value: e.Value})
	}
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	v, err := nodes[0].Write(ctx, changes, AckAll)
	if err != nil {
		t.Fatal(err)
	}
	for _, n := range nodes[1:] {
		waitFor(t, 5*time.Second, n.cfg.NodeName+" heard of the write", func() bool {
			n.awaited.mu.Lock()
			defer n.awaited.mu.Unlock()
			w := n.awaited.writers[nodes[0].cfg.NodeName]
			return w != nil && w.announced == v.Time
		})
		if n.awaited.waiting(n.now()) {
			t.Errorf("%s still waits for a write it confirmed", n.cfg.NodeName)
		}
	}
}
