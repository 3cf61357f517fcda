package cluster

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"pgregory.net/rapid"
)

// faultyDisk makes the log flushes of chosen state folders fail or stall,
// by replacing flushFile for the length of a test. Start the nodes after
// it, so that they are shut down before it is put back.
type faultyDisk struct {
	mu      sync.Mutex
	fail    map[string]error
	stall   map[string]chan struct{}
	flushes map[string]int
}

func newFaultyDisk(t *testing.T) *faultyDisk {
	d := &faultyDisk{fail: map[string]error{}, stall: map[string]chan struct{}{}, flushes: map[string]int{}}
	orig := flushFile
	flushFile = d.flush
	t.Cleanup(func() {
		d.mu.Lock()
		for _, ch := range d.stall {
			close(ch)
		}
		d.stall = map[string]chan struct{}{}
		d.mu.Unlock()
		flushFile = orig
	})
	return d
}

func (d *faultyDisk) flush(f *os.File) error {
	dir := filepath.Dir(f.Name())
	d.mu.Lock()
	d.flushes[dir]++
	err, stall := d.fail[dir], d.stall[dir]
	d.mu.Unlock()
	if stall != nil {
		<-stall
	}
	if err != nil {
		return err
	}
	return f.Sync()
}

// failWith makes every flush under dir fail with err; nil heals it.
func (d *faultyDisk) failWith(dir string, err error) {
	d.mu.Lock()
	defer d.mu.Unlock()
	d.fail[dir] = err
}

// stallFrom makes flushes under dir wait until the returned function is
// called.
func (d *faultyDisk) stallFrom(dir string) (release func()) {
	ch := make(chan struct{})
	d.mu.Lock()
	d.stall[dir] = ch
	d.mu.Unlock()
	var once sync.Once
	return func() {
		once.Do(func() {
			d.mu.Lock()
			if d.stall[dir] == ch {
				delete(d.stall, dir)
			}
			d.mu.Unlock()
			close(ch)
		})
	}
}

func (d *faultyDisk) flushCount(dir string) int {
	d.mu.Lock()
	defer d.mu.Unlock()
	return d.flushes[dir]
}

// crashCopy copies a running node's state folder as a SIGKILL would leave
// it: whatever its writes put in the files so far. Nothing is flushed or
// folded first.
func crashCopy(t *testing.T, n *Node) string {
	t.Helper()
	dst := t.TempDir()
	err := filepath.WalkDir(n.cfg.StateDir, func(path string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		buf, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		return os.WriteFile(filepath.Join(dst, d.Name()), buf, 0o600)
	})
	if err != nil {
		t.Fatal(err)
	}
	return dst
}

// restartAlone starts a node from a copied state folder, without its peers,
// so that what it holds came from the folder only.
func restartAlone(t *testing.T, dir string) *Node {
	t.Helper()
	if err := os.Remove(filepath.Join(dir, peersFile)); err != nil && !errors.Is(err, fs.ErrNotExist) {
		t.Fatal(err)
	}
	return start(t, fastConfig("restarted", dir))
}

func framesIn(t *testing.T, dir string) (frames int, entries []Entry) {
	t.Helper()
	buf, err := os.ReadFile(filepath.Join(dir, walFile))
	if err != nil {
		t.Fatal(err)
	}
	entries, frames, _ = scanFrames(buf[len(walHeader):])
	return frames, entries
}

// TestGroupCommit holds the first flush of a node until twenty more writers
// are waiting, then checks that those twenty went to disk together: one
// frame, one flush.
func TestGroupCommit(t *testing.T) {
	disk := newFaultyDisk(t)
	dir := t.TempDir()
	n := start(t, fastConfig("solo", dir))
	flushesAtStart := disk.flushCount(dir)
	release := disk.stallFrom(dir)
	defer release()

	errs := make(chan error, 21)
	go func() { _, err := n.Put("first", []byte("v")); errs <- err }()
	waitFor(t, 10*time.Second, "the first write is being flushed", func() bool {
		return disk.flushCount(dir) > flushesAtStart
	})
	const writers = 20
	for i := range writers {
		go func() { _, err := n.Put(fmt.Sprintf("k%02d", i), []byte("v")); errs <- err }()
	}
	waitFor(t, 10*time.Second, "every writer waits", func() bool {
		n.commits.mu.Lock()
		defer n.commits.mu.Unlock()
		return len(n.commits.reqs) == writers
	})
	release()
	for range writers + 1 {
		if err := <-errs; err != nil {
			t.Fatal(err)
		}
	}
	frames, entries := framesIn(t, dir)
	if frames != 2 || len(entries) != writers+1 {
		t.Fatalf("the log holds %d frames of %d entries in all, want 2 frames of %d", frames, len(entries), writers+1)
	}
	if got := disk.flushCount(dir) - flushesAtStart; got != 2 {
		t.Fatalf("%d flushes for 2 frames", got)
	}
}

// TestAcknowledgedWritesSurviveACrash copies the state folder while eight
// writers are busy, as a SIGKILL at that moment would leave it: every write
// that had returned before the copy began is in it.
func TestAcknowledgedWritesSurviveACrash(t *testing.T) {
	n := start(t, fastConfig("solo", t.TempDir()))
	var (
		mu    sync.Mutex
		acked []string
		wg    sync.WaitGroup
		stop  = make(chan struct{})
	)
	for w := range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := 0; ; i++ {
				select {
				case <-stop:
					return
				default:
				}
				key := fmt.Sprintf("deployments/w%d/d%d", w, i)
				var err error
				if i%3 == 0 {
					_, err = n.Write(context.Background(), []Change{{Key: key, Value: []byte(key)}, {Key: key + "-pair", Value: []byte(key)}}, AckOne)
				} else {
					_, err = n.Put(key, []byte(key))
				}
				if err != nil {
					t.Error(err)
					return
				}
				mu.Lock()
				acked = append(acked, key)
				mu.Unlock()
			}
		}()
	}
	waitFor(t, 10*time.Second, "300 writes acknowledged", func() bool {
		mu.Lock()
		defer mu.Unlock()
		return len(acked) >= 300
	})
	mu.Lock()
	before := append([]string(nil), acked...)
	mu.Unlock()
	dir := crashCopy(t, n)
	close(stop)
	wg.Wait()

	r := restartAlone(t, dir)
	for _, key := range before {
		if e, ok := r.Get(key); !ok || string(e.Value) != key {
			t.Fatalf("acknowledged %s lost in the crash (%d acknowledged before it)", key, len(before))
		}
	}
}

func TestWriteIsAtomic(t *testing.T) {
	nodes := startCluster(t, 3, nil)
	a := nodes[0]
	ctx := context.Background()

	// One value too large: nothing of the write is stored.
	_, err := a.Write(ctx, []Change{
		{Key: "deployments/default/small", Value: []byte("v")},
		{Key: "deployments/default/big", Value: make([]byte, MaxValueBytes+1)},
	}, AckOne)
	if !errors.Is(err, ErrTooLarge) {
		t.Fatalf("a write with a value too large: %v", err)
	}
	if _, err := a.Write(ctx, []Change{{Key: "k", Value: []byte("1")}, {Key: "k", Delete: true}}, AckOne); err == nil {
		t.Fatal("a write naming a key twice was taken")
	}
	if _, ok := a.Get("deployments/default/small"); ok {
		t.Fatal("the first change of a refused write was stored")
	}

	// A reader on another node sees all three keys of each write or none.
	reader := nodes[2]
	done := make(chan struct{})
	var bad []string
	go func() {
		defer close(done)
		for {
			got := reader.List("atomic/")
			if len(got) != 0 && (len(got) != 3 || !bytes.Equal(got[0].Value, got[1].Value) || !bytes.Equal(got[1].Value, got[2].Value)) {
				bad = append(bad, fmt.Sprintf("%d keys: %s", len(got), entryValues(got)))
			}
			if e, ok := reader.Get("atomic/c"); ok && string(e.Value) == "29" {
				return
			}
			time.Sleep(time.Millisecond)
		}
	}()
	for i := range 30 {
		v := []byte(fmt.Sprint(i))
		ack := []Ack{AckLocal, AckOne, AckAll}[i%3]
		ver, err := a.Write(ctx, []Change{{Key: "atomic/a", Value: v}, {Key: "atomic/b", Value: v}, {Key: "atomic/c", Value: v}}, ack)
		if err != nil {
			t.Fatal(err)
		}
		for _, k := range []string{"atomic/a", "atomic/b", "atomic/c"} {
			if e, _ := a.Get(k); e.Version != ver {
				t.Fatalf("%s has version %v, want the write's %v", k, e.Version, ver)
			}
		}
	}
	select {
	case <-done:
	case <-time.After(15 * time.Second):
		t.Fatal("the last write did not reach the reader")
	}
	if len(bad) > 0 {
		t.Fatalf("the reader saw part of a write: %v", bad)
	}

	r := restartAlone(t, crashCopy(t, a))
	if got := r.List("atomic/"); len(got) != 3 || entryValues(got) != "29 29 29" {
		t.Fatalf("after a crash: %s", entryValues(got))
	}
}

func entryValues(entries []Entry) string {
	var vs []string
	for _, e := range entries {
		vs = append(vs, string(e.Value))
	}
	return strings.Join(vs, " ")
}

// TestWriteRefusedWhenTheDiskFails: a write that cannot reach the disk
// returns an error and changes nothing, here or on the wire; the node says
// so until a write succeeds again.
func TestWriteRefusedWhenTheDiskFails(t *testing.T) {
	disk := newFaultyDisk(t)
	nodes := startCluster(t, 2, nil)
	a, b := nodes[0], nodes[1]
	mustPut(t, a, "before", "v")
	waitValue(t, nodes, "before", []byte("v"))

	disk.failWith(a.cfg.StateDir, syscall.ENOSPC)
	_, err := a.Put("refused/put", []byte("v"))
	if !errors.Is(err, ErrNotPersisted) || !strings.Contains(err.Error(), "the store could not be written to disk: no space left on device") {
		t.Fatalf("put on a full disk: %v", err)
	}
	_, err = a.Write(context.Background(), []Change{{Key: "refused/w1", Value: []byte("v")}, {Key: "before", Delete: true}}, AckOne)
	if !errors.Is(err, ErrNotPersisted) {
		t.Fatalf("write on a full disk: %v", err)
	}
	if err := a.StoreError(); err == nil || !strings.Contains(err.Error(), "no space left on device") {
		t.Fatalf("StoreError = %v", err)
	}
	// Two push/pull rounds later, the peer has nothing of it either.
	time.Sleep(3 * a.cfg.PushPullInterval)
	for _, n := range nodes {
		if got := n.List("refused/"); len(got) != 0 {
			t.Fatalf("%s holds %s", n.Name(), entryValues(got))
		}
		if _, ok := n.Get("before"); !ok {
			t.Fatalf("%s lost a key that a refused write deleted", n.Name())
		}
	}

	// Healed: the next write succeeds, and the error clears.
	disk.failWith(a.cfg.StateDir, nil)
	if err := a.StoreError(); err == nil {
		t.Fatal("the store error cleared before any write succeeded")
	}
	mustPut(t, a, "after", "v")
	if err := a.StoreError(); err != nil {
		t.Fatalf("StoreError after a write succeeded: %v", err)
	}
	waitValue(t, []*Node{b}, "after", []byte("v"))
}

// TestWriteWaitsForPeers: AckAll returns once every member holds the write
// on disk, AckOne once one does; a write that no peer confirms is stored
// here and says so.
func TestWriteWaitsForPeers(t *testing.T) {
	disk := newFaultyDisk(t)
	nodes := startCluster(t, 3, func(c *Config) { c.AckTimeout = 500 * time.Millisecond })
	a := nodes[0]
	ctx := context.Background()

	if _, err := a.Write(ctx, []Change{{Key: "all", Value: []byte("v")}}, AckAll); err != nil {
		t.Fatal(err)
	}
	for _, n := range nodes {
		if _, ok := n.entry("all"); !ok {
			t.Fatalf("%s lacks a write confirmed by all", n.Name())
		}
	}
	// Concurrent writers share messages to each member; every one is confirmed.
	var wg sync.WaitGroup
	for i := range 20 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			key := fmt.Sprintf("concurrent/%d", i)
			if _, err := a.Write(ctx, []Change{{Key: key, Value: []byte("v")}}, AckAll); err != nil {
				t.Error(err)
				return
			}
			for _, n := range nodes {
				if _, ok := n.entry(key); !ok {
					t.Errorf("%s lacks %s, confirmed by all", n.Name(), key)
				}
			}
		}()
	}
	wg.Wait()
	if _, err := a.Write(ctx, []Change{{Key: "one", Value: []byte("v")}}, AckOne); err != nil {
		t.Fatal(err)
	}
	_, ok1 := nodes[1].entry("one")
	_, ok2 := nodes[2].entry("one")
	if !ok1 && !ok2 {
		t.Fatal("no peer holds a write confirmed by one")
	}

	// One peer's disk is full, the other's stalls: nobody confirms.
	disk.failWith(nodes[1].cfg.StateDir, syscall.ENOSPC)
	release := disk.stallFrom(nodes[2].cfg.StateDir)
	defer release()
	v, err := a.Write(ctx, []Change{{Key: "unconfirmed", Value: []byte("v")}}, AckOne)
	if !errors.Is(err, ErrNotConfirmed) {
		t.Fatalf("write nobody confirms: %v", err)
	}
	msg := err.Error()
	for _, want := range []string{
		"stored on this node, not yet confirmed by another node: ",
		"n1: the store could not be written to disk: no space left on device",
		"n2: no answer within",
	} {
		if !strings.Contains(msg, want) {
			t.Errorf("%q lacks %q", msg, want)
		}
	}
	if e, ok := a.Get("unconfirmed"); !ok || e.Version != v {
		t.Fatalf("the unconfirmed write is not stored here: %v", ok)
	}
	release()
	disk.failWith(nodes[1].cfg.StateDir, nil)
	waitValue(t, nodes, "unconfirmed", []byte("v"))

	// Alone, a node needs no one's confirmation.
	solo := start(t, fastConfig("solo", t.TempDir()))
	if _, err := solo.Write(ctx, []Change{{Key: "k", Value: []byte("v")}}, AckAll); err != nil {
		t.Fatal(err)
	}
}

func TestReplicateMessageRoundTrip(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		m := replicateMsg{From: rapid.String().Draw(t, "from")}
		for i := range rapid.IntRange(0, 3).Draw(t, "items") {
			it := replicateItem{ID: rapid.Uint64().Draw(t, fmt.Sprint("id", i)), WantAck: rapid.Bool().Draw(t, fmt.Sprint("ack", i))}
			for j := range rapid.IntRange(0, 3).Draw(t, fmt.Sprint("count", i)) {
				it.Entries = append(it.Entries, Entry{
					Key:      rapid.String().Draw(t, fmt.Sprint("key", i, j)),
					Value:    rapid.SliceOf(rapid.Byte()).Draw(t, fmt.Sprint("value", i, j)),
					Version:  Version{Time: rapid.Uint64().Draw(t, fmt.Sprint("time", i, j)), Node: m.From},
					Deleted:  rapid.Bool().Draw(t, fmt.Sprint("deleted", i, j)),
					Modified: time.Unix(0, rapid.Int64().Draw(t, fmt.Sprint("modified", i, j))),
					Received: time.Unix(1_700_000_000, 0).Add(-time.Duration(rapid.Int64Range(0, int64(time.Hour)).Draw(t, fmt.Sprint("age", i, j)))),
				})
			}
			m.Items = append(m.Items, it)
		}
		sent := time.Unix(1_700_000_000, 0)
		msg := encodeReplicateMsg(m, sent)
		// Items encoded once for every member keep the ages of when they were encoded,
		// whenever the message that carries them is made.
		pre := replicateMsg{From: m.From}
		for _, it := range m.Items {
			pre.Items = append(pre.Items, it.withEncoding(sent))
		}
		if once := encodeReplicateMsg(pre, sent.Add(time.Hour)); !bytes.Equal(once, msg) {
			t.Fatalf("items encoded beforehand make\n%x\nwant\n%x", once, msg)
		}
		if messageType(msg[0]) != msgReplicate {
			t.Fatalf("type byte %d", msg[0])
		}
		got, err := decodeReplicateMsg(msg[1:], sent)
		if err != nil {
			t.Fatal(err)
		}
		if got.From != m.From || len(got.Items) != len(m.Items) {
			t.Fatalf("round trip: got %+v, want %+v", got, m)
		}
		for i, it := range got.Items {
			w := m.Items[i]
			if it.ID != w.ID || it.WantAck != w.WantAck || len(it.Entries) != len(w.Entries) {
				t.Fatalf("item %d: got %+v, want %+v", i, it, w)
			}
			for j, e := range it.Entries {
				we := w.Entries[j]
				if e.Key != we.Key || !bytes.Equal(e.Value, we.Value) || e.Version != we.Version || e.Deleted != we.Deleted || !e.Modified.Equal(we.Modified) {
					t.Fatalf("item %d entry %d: got %+v, want %+v", i, j, e, we)
				}
			}
		}
		for cut := range len(msg) - 1 {
			if _, err := decodeReplicateMsg(msg[1:1+cut], sent); err == nil {
				t.Fatalf("a message cut at %d of %d bytes decoded", cut, len(msg)-1)
			}
		}

		a := replicateAck{From: m.From, IDs: rapid.SliceOf(rapid.Uint64()).Draw(t, "ids"), Error: rapid.String().Draw(t, "error")}
		ab := encodeReplicateAck(a)
		gotAck, err := decodeReplicateAck(ab[1:])
		if err != nil || gotAck.From != a.From || gotAck.Error != a.Error || !slices.Equal(gotAck.IDs, a.IDs) {
			t.Fatalf("ack round trip: %+v, %v; want %+v", gotAck, err, a)
		}
	})
}
