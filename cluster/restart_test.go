package cluster

import (
	"fmt"
	"net"
	"strconv"
	"testing"
)

// TestWholeClusterRestart stops every node at once (no Leave) and starts
// them again from their state folders with no join addresses: they must find
// each other through the remembered peers and hold the whole store.
func TestWholeClusterRestart(t *testing.T) {
	nodes := startCluster(t, 3, nil)
	for i := range 10 {
		mustPut(t, nodes[i%3], fmt.Sprintf("deployments/default/d%d", i), fmt.Sprintf("v%d", i))
	}
	mustDelete(t, nodes[1], "deployments/default/d3")
	for i := range 10 {
		if i != 3 {
			waitValue(t, nodes, fmt.Sprintf("deployments/default/d%d", i), fmt.Appendf(nil, "v%d", i))
		}
	}
	waitDeleted(t, nodes, "deployments/default/d3")
	token := nodes[0].JoinToken()

	cfgs := make([]Config, len(nodes))
	for i, n := range nodes {
		cfgs[i] = fastConfig(n.Name(), n.cfg.StateDir)
		_, port, err := net.SplitHostPort(n.Addr())
		if err != nil {
			t.Fatal(err)
		}
		cfgs[i].BindPort, _ = strconv.Atoi(port)
	}
	for _, n := range nodes {
		if err := n.Shutdown(); err != nil {
			t.Fatal(err)
		}
	}

	// The first node back is alone: what it holds came from its disk.
	restarted := make([]*Node, len(cfgs))
	for i, cfg := range cfgs {
		restarted[i] = start(t, cfg)
		if i == 0 {
			assertStoreIntact(t, restarted[0])
		}
	}
	waitAlive(t, restarted, 3)
	for _, n := range restarted {
		if got := n.JoinToken(); got != token {
			t.Errorf("%s came back with another token", n.Name())
		}
		assertStoreIntact(t, n)
	}

	// The restarted nodes still replicate, and a write after the restart is
	// ordered after the writes before it.
	v, err := restarted[2].Put("deployments/default/d0", []byte("after"))
	if err != nil {
		t.Fatal(err)
	}
	waitValue(t, restarted, "deployments/default/d0", []byte("after"))
	if e, _ := restarted[0].entry("deployments/default/d9"); v.Time <= e.Version.Time {
		t.Errorf("a write after the restart got time %d, not after %d", v.Time, e.Version.Time)
	}
}

// assertStoreIntact checks the store written before the restart.
func assertStoreIntact(t *testing.T, n *Node) {
	t.Helper()
	for i := range 10 {
		key := fmt.Sprintf("deployments/default/d%d", i)
		e, ok := n.entry(key)
		switch {
		case !ok:
			t.Errorf("%s lost %s", n.Name(), key)
		case i == 3 && !e.Deleted:
			t.Errorf("%s lost the tombstone of %s", n.Name(), key)
		case i != 3 && string(e.Value) != fmt.Sprintf("v%d", i):
			t.Errorf("%s reads %s = %q", n.Name(), key, e.Value)
		}
	}
}
