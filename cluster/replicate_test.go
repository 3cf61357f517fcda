package cluster

import (
	"bytes"
	"errors"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"
)

func TestPutGetDeleteReplicate(t *testing.T) {
	nodes := startCluster(t, 3, nil)
	a := nodes[0]

	if _, err := a.Put("deployments/default/web", []byte("replicas: 2")); err != nil {
		t.Fatal(err)
	}
	waitValue(t, nodes, "deployments/default/web", []byte("replicas: 2"))

	// A write on another node replaces it everywhere.
	if _, err := nodes[2].Put("deployments/default/web", []byte("replicas: 3")); err != nil {
		t.Fatal(err)
	}
	waitValue(t, nodes, "deployments/default/web", []byte("replicas: 3"))

	if _, err := nodes[1].Delete("deployments/default/web"); err != nil {
		t.Fatal(err)
	}
	waitDeleted(t, nodes, "deployments/default/web")
	for _, n := range nodes {
		if _, ok := n.Get("deployments/default/web"); ok {
			t.Errorf("%s still reads the deleted key", n.Name())
		}
		if got := n.List("deployments/"); len(got) != 0 {
			t.Errorf("%s lists %d entries after the delete, want 0", n.Name(), len(got))
		}
	}
}

func TestConcurrentWritesConverge(t *testing.T) {
	nodes := startCluster(t, 3, nil)
	const rounds = 20
	for round := range rounds {
		key := fmt.Sprintf("services/default/s%d", round)
		var wg sync.WaitGroup
		versions := make([]Version, 2)
		for i := range 2 {
			wg.Add(1)
			go func() {
				defer wg.Done()
				v, err := nodes[i].Put(key, []byte(nodes[i].Name()))
				if err != nil {
					t.Error(err)
				}
				versions[i] = v
			}()
		}
		wg.Wait()
		winner := 0
		if versions[1].Compare(versions[0]) > 0 {
			winner = 1
		}
		waitValue(t, nodes, key, []byte(nodes[winner].Name()))
	}
}

// TestConcurrentWritesSameTime makes both writers use the same Lamport time,
// so that only the node name can break the tie.
func TestConcurrentWritesSameTime(t *testing.T) {
	tn := &testNet{}
	nodes := startCluster(t, 3, func(c *Config) { c.WrapTransport = tn.wrap })
	a, b := nodes[0], nodes[1]
	// Cut a from b so neither witnesses the other's write, and align their
	// clocks so both writes get the same time.
	tn.partition([]*Node{a}, []*Node{b, nodes[2]})
	a.clock.Witness(1000)
	b.clock.Witness(1000)
	va, err := a.Put("k", []byte("from a"))
	if err != nil {
		t.Fatal(err)
	}
	vb, err := b.Put("k", []byte("from b"))
	if err != nil {
		t.Fatal(err)
	}
	if va.Time != vb.Time {
		t.Fatalf("writes got times %d and %d, want the same", va.Time, vb.Time)
	}
	tn.heal()
	// n1 > n0, so b's write wins.
	waitValue(t, nodes, "k", []byte("from b"))
}

func TestLargeValueReplicates(t *testing.T) {
	nodes := startCluster(t, 3, nil)
	big := bytes.Repeat([]byte("0123456789abcdef"), 100*1024/16)
	big = append(big, []byte("\nimage: secret-marker-1234\n")...)
	if _, err := nodes[0].Put("deployments/default/big", big); err != nil {
		t.Fatal(err)
	}
	waitValue(t, nodes, "deployments/default/big", big)

	// A node that joins afterwards gets it by push/pull.
	cfg := fastConfig("late", t.TempDir())
	cfg.Join = []string{nodes[1].Addr()}
	cfg.JoinToken = nodes[1].JoinToken()
	late := start(t, cfg)
	waitValue(t, []*Node{late}, "deployments/default/big", big)
}

func TestWatchKeys(t *testing.T) {
	nodes := startCluster(t, 3, nil)
	keys, cancel := nodes[2].WatchKeys("deployments/")
	defer cancel()

	if _, err := nodes[0].Put("services/default/web", []byte("x")); err != nil {
		t.Fatal(err)
	}
	if _, err := nodes[0].Put("deployments/default/web", []byte("y")); err != nil {
		t.Fatal(err)
	}
	select {
	case k := <-keys:
		if k != "deployments/default/web" {
			t.Fatalf("watch under deployments/ got %q", k)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("no change reported within 10s")
	}
	// The delete must follow the write on the deleting node, or it is a
	// concurrent write that may lose.
	waitValue(t, nodes, "deployments/default/web", []byte("y"))
	if _, err := nodes[1].Delete("deployments/default/web"); err != nil {
		t.Fatal(err)
	}
	select {
	case k := <-keys:
		if k != "deployments/default/web" {
			t.Fatalf("watch got %q after the delete", k)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("delete not reported within 10s")
	}
	cancel()
	if _, ok := <-keys; ok {
		// One change may have been in flight; the channel must close next.
		if _, ok := <-keys; ok {
			t.Fatal("channel still open after cancel")
		}
	}
}

func TestTombstonesAreCollected(t *testing.T) {
	nodes := startCluster(t, 3, func(c *Config) { c.TombstoneTTL = 300 * time.Millisecond })
	mustPut(t, nodes[0], "jobs/once", "x")
	waitValue(t, nodes, "jobs/once", []byte("x"))
	mustDelete(t, nodes[1], "jobs/once")
	waitDeleted(t, nodes, "jobs/once")
	waitFor(t, 15*time.Second, "every node forgets the tombstone", func() bool {
		for _, n := range nodes {
			if _, ok := n.entry("jobs/once"); ok {
				return false
			}
		}
		return true
	})
}

func TestPutRefusesWhatCannotReplicate(t *testing.T) {
	n := start(t, fastConfig("solo", t.TempDir()))
	if _, err := n.Put("", []byte("x")); err == nil {
		t.Error("empty key accepted")
	}
	if _, err := n.Put(strings.Repeat("k", maxKeyLen+1), nil); err == nil {
		t.Error("oversized key accepted")
	}
	if _, err := n.Put("big", make([]byte, maxValueLen+1)); err == nil {
		t.Error("oversized value accepted")
	}
	value := make([]byte, maxValueLen)
	var err error
	for i := 0; err == nil && i < maxStoreBytes/maxValueLen+1; i++ {
		_, err = n.Put(fmt.Sprintf("fill/%d", i), value)
	}
	if err == nil || !strings.Contains(err.Error(), "store would take") {
		t.Fatalf("filling the store past its bound: err = %v", err)
	}
	// Deleting still works on a full store, and frees room.
	if _, err := n.Delete("fill/0"); err != nil {
		t.Fatal(err)
	}
	if _, err := n.Put("fill/again", value); err != nil {
		t.Fatalf("put after freeing room: %v", err)
	}
	if err := n.Shutdown(); err != nil {
		t.Fatal(err)
	}
	if _, err := n.Put("late", nil); !errors.Is(err, ErrClosed) {
		t.Fatalf("put after shutdown: err = %v, want ErrClosed", err)
	}
}

// A store over its bound (writes from other nodes are merged whatever its size) still
// takes a local write that does not make it larger: a value rewritten at the same size
// or smaller, and a delete; one that grows it is refused.
func TestAStoreOverItsBoundTakesWritesThatDoNotGrowIt(t *testing.T) {
	n := start(t, fastConfig("solo", t.TempDir()))
	if _, err := n.Put("app/web", []byte("replicas: 1")); err != nil {
		t.Fatal(err)
	}
	i := 0
	for size := maxValueLen; size > 0; size /= 2 {
		for {
			_, err := n.Put(fmt.Sprintf("fill/%d", i), make([]byte, size))
			if errors.Is(err, ErrStoreFull) {
				break
			}
			if err != nil {
				t.Fatal(err)
			}
			i++
		}
	}
	remote := Entry{Key: "other/status", Value: make([]byte, 4096), Version: Version{Time: 1 << 40, Node: "n2"}, Modified: time.Now()}
	if err := n.storeRemote([]Entry{remote}, spreadNone, true); err != nil {
		t.Fatal(err)
	}
	if _, err := n.Put("app/new", []byte("x")); !errors.Is(err, ErrStoreFull) {
		t.Errorf("a new key on a store over its bound: err = %v, want ErrStoreFull", err)
	}
	if _, err := n.Put("app/web", []byte("replicas: 3")); err != nil {
		t.Errorf("the same size again: %v", err)
	}
	if _, err := n.Put("app/web", []byte("r: 3")); err != nil {
		t.Errorf("a smaller value: %v", err)
	}
	if _, err := n.Put("app/web", []byte("replicas: 3, and more")); !errors.Is(err, ErrStoreFull) {
		t.Errorf("a larger value: err = %v, want ErrStoreFull", err)
	}
}
