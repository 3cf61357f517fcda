package cluster

import (
	"context"
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/hashicorp/memberlist"
)

// TestRemoveMember removes a live member of a four-node cluster while
// another member is down, and checks that the removed machine stays out in
// every way it could try to come back.
func TestRemoveMember(t *testing.T) {
	nodes := startCluster(t, 4, nil)
	n0, n1, n2, n3 := nodes[0], nodes[1], nodes[2], nodes[3]
	old := n0.JoinToken()
	mustPut(t, n2, "before/removal", "from n2")
	waitValue(t, nodes, "before/removal", []byte("from n2"))

	// What a removed machine that never heard of its removal would hold:
	// the old key and no record.
	stale := copyState(t, n2)
	n2Port := portOf(t, n2)

	// n3 is down during the removal.
	n3Cfg := fastConfig(n3.Name(), n3.cfg.StateDir)
	n3Cfg.BindPort = portOf(t, n3)
	if err := n3.Leave(time.Second); err != nil {
		t.Fatal(err)
	}
	if err := n3.Shutdown(); err != nil {
		t.Fatal(err)
	}
	waitAlive(t, nodes[:3], 3)
	live := []*Node{n0, n1}
	joined := watchJoins(t, n0)

	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	fresh, err := n1.RemoveMember(ctx, "n2")
	if err != nil {
		t.Fatal(err)
	}
	if fresh == old {
		t.Fatal("the removal returned the old token")
	}

	// The remover reports the member left at once; the others as soon as
	// the record reaches them.
	if st := stateOf(n1, "n2"); st != StateLeft {
		t.Fatalf("n1 sees n2 %s right after the removal, want left", st)
	}
	waitFor(t, 15*time.Second, "n0 sees n2 left", func() bool { return stateOf(n0, "n2") == StateLeft })
	for _, n := range live {
		if got := n.keys.snapshot(); !slices.Equal(got, []string{fresh}) {
			t.Errorf("%s holds tokens %v, want only the new one", n.Name(), got)
		}
		if got := n.Leader(); got != "n0" {
			t.Errorf("%s names leader %q", n.Name(), got)
		}
	}
	if got := n2.keys.snapshot(); !slices.Equal(got, []string{old}) {
		t.Errorf("the removed member holds tokens %v, want only the old one", got)
	}
	if rs := n0.Removals(); len(rs) != 1 || rs[0].Name != "n2" || rs[0].By != "n1" || rs[0].At.IsZero() {
		t.Errorf("n0 lists removals %+v", rs)
	}

	// The removed member was told, and is cut off: it loses the others and
	// they lose it, and its state stays left, not dead.
	waitFor(t, 15*time.Second, "n2 learns its removal", func() bool { return n2.isRemoved("n2") })
	waitFor(t, 15*time.Second, "memberlist drops n2 and n2 drops the others", func() bool {
		return n0.ml.Load().NumMembers() == 2 && n1.ml.Load().NumMembers() == 2 && n2.ml.Load().NumMembers() == 1
	})
	for _, n := range live {
		if st := stateOf(n, "n2"); st != StateLeft {
			t.Errorf("%s sees n2 %s once memberlist dropped it, want left", n.Name(), st)
		}
	}

	// The others keep replicating with the new key; the removed member's
	// writes reach no one.
	mustPut(t, n2, "from/removed", "n2 after its removal")
	mustPut(t, n0, "after/removal", "still here")
	waitValue(t, live, "after/removal", []byte("still here"))
	time.Sleep(time.Second) // two push/pull intervals
	assertAbsent(t, live, "from/removed")

	// n3 comes back with the new token while the removed machine is off,
	// learns the removal and refuses n2 too.
	if err := n2.Shutdown(); err != nil {
		t.Fatal(err)
	}
	n3Cfg.JoinToken = fresh
	back := start(t, n3Cfg)
	all := []*Node{n0, n1, back}
	waitAlive(t, all, 3)
	if got := back.JoinToken(); got != fresh {
		t.Errorf("n3 came back with %q, want the new token", got)
	}
	waitValue(t, []*Node{back}, "after/removal", []byte("still here"))
	if err := back.admit("n2"); err == nil {
		t.Error("n3 admits n2")
	}

	// n2's own state folder knows it was removed: it does not start, with
	// or without the new token.
	own := fastConfig("n2", n2.cfg.StateDir)
	own.BindPort = n2Port
	mustNotStart(t, own)
	own.Join, own.JoinToken = []string{n0.Addr()}, fresh
	mustNotStart(t, own)

	// The copy from before the removal starts, as a former member whose
	// peers do not answer, and stays alone: no member holds its key.
	ghostCfg := fastConfig("n2", stale)
	ghostCfg.BindPort = n2Port
	ghostCfg.Join = []string{n0.Addr(), back.Addr()}
	ghost := start(t, ghostCfg)
	mustPut(t, ghost, "from/ghost", "n2 with the old key")
	time.Sleep(time.Second) // several reconnect and push/pull intervals
	if got := ghost.ml.Load().NumMembers(); got != 1 {
		t.Errorf("the removed machine with its old key reached %d members", got)
	}
	if err := ghost.Shutdown(); err != nil {
		t.Fatal(err)
	}

	// The same copy given the new token: its key gets in, but the members
	// refuse its name, and it learns why from what they sent.
	ghostCfg.JoinToken = fresh
	mustNotStart(t, ghostCfg)
	// So does a fresh machine under the removed name.
	newName := fastConfig("n2", t.TempDir())
	newName.Join, newName.JoinToken = []string{n1.Addr()}, fresh
	mustNotStart(t, newName)

	time.Sleep(time.Second)
	assertAbsent(t, all, "from/removed")
	assertAbsent(t, all, "from/ghost")
	waitAlive(t, all, 3)
	if got := joined(); slices.Contains(got, "n2") {
		t.Errorf("n0 admitted n2 again: joins %v", got)
	}
	for _, n := range all {
		if st, ok := stateIf(n, "n2"); ok && st != StateLeft {
			t.Errorf("%s sees n2 %s, want left", n.Name(), st)
		}
	}

	// Once the removal is forgotten, a machine of that name joins with the
	// current token.
	if err := back.ForgetRemoval("n2"); err != nil {
		t.Fatal(err)
	}
	waitFor(t, 15*time.Second, "every node forgets the removal", func() bool {
		for _, n := range all {
			if n.isRemoved("n2") || n.members.isRemoved("n2") {
				return false
			}
		}
		return true
	})
	again := fastConfig("n2", t.TempDir())
	again.BindPort = n2Port
	again.Join, again.JoinToken = []string{n0.Addr()}, fresh
	returned := start(t, again)
	waitAlive(t, append(all, returned), 4)
	waitValue(t, []*Node{returned}, "after/removal", []byte("still here"))
	if err := n0.ForgetRemoval("n2"); !errors.Is(err, ErrNotRemoved) {
		t.Errorf("forgetting twice: err = %v, want ErrNotRemoved", err)
	}
}

// TestRemoveDownMember removes a member that is down: it is left out of the
// rotation, and when it comes back with its old state it cannot get in.
func TestRemoveDownMember(t *testing.T) {
	nodes := startCluster(t, 3, nil)
	n0, n1, n2 := nodes[0], nodes[1], nodes[2]
	cfg := fastConfig("n2", n2.cfg.StateDir)
	cfg.BindPort = portOf(t, n2)
	if err := n2.Shutdown(); err != nil {
		t.Fatal(err)
	}
	live := []*Node{n0, n1}
	waitFor(t, 15*time.Second, "n2 is declared dead", func() bool {
		return stateOf(n0, "n2") == StateDead && stateOf(n1, "n2") == StateDead
	})

	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	fresh, err := n0.RemoveMember(ctx, "n2")
	if err != nil {
		t.Fatal(err)
	}
	if st := stateOf(n0, "n2"); st != StateLeft {
		t.Fatalf("n0 sees n2 %s right after the removal, want left", st)
	}
	waitFor(t, 15*time.Second, "n1 sees n2 left", func() bool { return stateOf(n1, "n2") == StateLeft })
	for _, n := range live {
		if got := n.keys.snapshot(); !slices.Equal(got, []string{fresh}) {
			t.Errorf("%s holds tokens %v, want only the new one", n.Name(), got)
		}
	}

	// It comes back with its state: it never heard of the removal, and
	// nobody answers its key.
	back := start(t, cfg)
	mustPut(t, back, "from/removed", "n2 after its removal")
	time.Sleep(time.Second) // several reconnect and push/pull intervals
	if got := back.ml.Load().NumMembers(); got != 1 {
		t.Errorf("the removed member reached %d members", got)
	}
	assertAbsent(t, live, "from/removed")
	for _, n := range live {
		if st := stateOf(n, "n2"); st != StateLeft {
			t.Errorf("%s sees n2 %s, want left", n.Name(), st)
		}
	}
	if err := back.Shutdown(); err != nil {
		t.Fatal(err)
	}

	// Given the new token, it is refused by name.
	cfg.JoinToken = fresh
	mustNotStart(t, cfg)
	assertAbsent(t, live, "from/removed")
	mustPut(t, n1, "after/removal", "still here")
	waitValue(t, live, "after/removal", []byte("still here"))

	// A machine that ignores its removal and keeps trying under the name,
	// with the new key and from the same address, is never counted as a
	// member.
	key, err := gossipKey(fresh)
	if err != nil {
		t.Fatal(err)
	}
	impostor := joinAs(t, "n2", cfg.BindPort, key, n1.Addr())
	if impostor.joinErr != nil {
		t.Logf("the impostor's join failed: %v", impostor.joinErr)
	}
	time.Sleep(time.Second) // its alive messages and refutations spread
	for _, n := range live {
		for _, m := range n.ml.Load().Members() {
			if m.Name == "n2" {
				t.Errorf("%s's memberlist counts the impostor", n.Name())
			}
		}
		if st := stateOf(n, "n2"); st != StateLeft {
			t.Errorf("%s sees n2 %s with the impostor around, want left", n.Name(), st)
		}
	}
}

// joinAs is a bare memberlist named name on port, holding key, that joins addr: a
// machine that runs none of this package's checks on itself.
func joinAs(t *testing.T, name string, port int, key []byte, addr string) *outsider {
	t.Helper()
	o := &outsider{}
	mc := memberlist.DefaultLocalConfig()
	mc.Name = name
	mc.BindAddr = "127.0.0.1"
	mc.BindPort = port
	mc.SecretKey = key
	mc.Delegate = o
	mc.ProbeInterval = 100 * time.Millisecond
	mc.GossipInterval = 20 * time.Millisecond
	mc.PushPullInterval = 200 * time.Millisecond
	mc.LogOutput = newMemberlistLogger(testLogger()).Writer()
	ml, err := memberlist.Create(mc)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = ml.Shutdown() })
	o.ml = ml
	_, o.joinErr = ml.Join([]string{addr})
	return o
}

func TestRemoveMemberErrors(t *testing.T) {
	nodes := startCluster(t, 2, nil)
	n0 := nodes[0]
	token := n0.JoinToken()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	for name, want := range map[string]error{"n0": ErrRemoveSelf, "nope": ErrNoSuchMember, "n1": ErrLastMember} {
		if _, err := n0.RemoveMember(ctx, name); !errors.Is(err, want) {
			t.Errorf("remove %s: err = %v, want %v", name, err, want)
		}
	}
	if _, err := n0.RemoveMember(ctx, ""); err == nil {
		t.Error("removing an empty name succeeded")
	}
	if err := n0.ForgetRemoval("n1"); !errors.Is(err, ErrNotRemoved) {
		t.Errorf("forget a removal that never was: err = %v", err)
	}
	for _, n := range nodes {
		if rs := n.Removals(); len(rs) != 0 {
			t.Errorf("%s records removals %v after refused removals", n.Name(), rs)
		}
		if n.JoinToken() != token {
			t.Errorf("%s changed its token after refused removals", n.Name())
		}
		if st := stateOf(n, "n1"); st != StateAlive {
			t.Errorf("%s sees n1 %s", n.Name(), st)
		}
	}
	if err := nodes[1].Shutdown(); err != nil {
		t.Fatal(err)
	}
	if _, err := nodes[1].RemoveMember(ctx, "n0"); !errors.Is(err, ErrClosed) {
		t.Errorf("remove on a node shut down: err = %v", err)
	}
}

// mustNotStart starts a node that must be refused as removed.
func mustNotStart(t *testing.T, cfg Config) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	n, err := Start(ctx, cfg)
	if err == nil {
		_ = n.Shutdown()
		t.Fatalf("%s started, want it refused as removed", cfg.NodeName)
	}
	if !errors.Is(err, ErrRemoved) {
		t.Fatalf("start %s: err = %v, want ErrRemoved", cfg.NodeName, err)
	}
}

// copyState copies a running node's state folder once its store is on disk.
func copyState(t *testing.T, n *Node) string {
	t.Helper()
	// Every write is on disk once answered: in the log, or in the store file
	// once the log was folded into it.
	dir := t.TempDir()
	for _, name := range []string{keyringFile, storeFile, walFile} {
		b, err := os.ReadFile(filepath.Join(n.cfg.StateDir, name))
		if errors.Is(err, fs.ErrNotExist) && name != keyringFile {
			continue
		}
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(dir, name), b, 0o600); err != nil {
			t.Fatal(err)
		}
	}
	return dir
}

func stateIf(n *Node, name string) (MemberState, bool) {
	for _, m := range n.Members() {
		if m.Name == name {
			return m.State, true
		}
	}
	return 0, false
}

// stateOf returns how n sees a member; -1 when it does not know it.
func stateOf(n *Node, name string) MemberState {
	if st, ok := stateIf(n, name); ok {
		return st
	}
	return -1
}

func assertAbsent(t *testing.T, nodes []*Node, key string) {
	t.Helper()
	for _, n := range nodes {
		if e, ok := n.entry(key); ok {
			t.Errorf("%s holds %s = %q", n.Name(), key, e.Value)
		}
	}
}

// watchJoins records the names of the members that n reports joined from now
// on, and returns a function that reads them.
func watchJoins(t *testing.T, n *Node) func() []string {
	events, stop := n.WatchMembers()
	var (
		mu    sync.Mutex
		names []string
		done  = make(chan struct{})
	)
	go func() {
		defer close(done)
		for ev := range events {
			if ev.Type == MemberJoined {
				mu.Lock()
				names = append(names, ev.Member.Name)
				mu.Unlock()
			}
		}
	}()
	t.Cleanup(func() { stop(); <-done })
	return func() []string {
		mu.Lock()
		defer mu.Unlock()
		return slices.Clone(names)
	}
}
