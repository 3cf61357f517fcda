package cluster

import (
	"testing"
)

// TestPartitionHeals cuts a four-node cluster in two, writes and deletes on
// both sides, and checks that after the links come back every node holds
// the same store: the reconnect loop rejoins the members each side declared
// dead, and push/pull merges the stores.
func TestPartitionHeals(t *testing.T) {
	tn := &testNet{}
	nodes := startCluster(t, 4, func(c *Config) { c.WrapTransport = tn.wrap })
	left, right := nodes[:2], nodes[2:]

	for _, k := range []string{"shared/deleted-left", "shared/deleted-right", "shared/updated"} {
		if _, err := nodes[0].Put(k, []byte("before")); err != nil {
			t.Fatal(err)
		}
		waitValue(t, nodes, k, []byte("before"))
	}

	tn.partition(left, right)
	waitAlive(t, nodes, 2) // each side declares the other dead

	mustPut(t, left[0], "left/new", "from left")
	mustDelete(t, left[1], "shared/deleted-left")
	mustPut(t, right[0], "right/new", "from right")
	mustDelete(t, right[1], "shared/deleted-right")
	// Both sides update the same key; the right side writes later in
	// Lamport time, so its value must win everywhere.
	mustPut(t, left[0], "shared/updated", "left")
	right[0].clock.Witness(left[0].clock.Time() + 10)
	mustPut(t, right[0], "shared/updated", "right")
	waitValue(t, left, "left/new", []byte("from left"))
	waitValue(t, right, "right/new", []byte("from right"))
	for _, n := range right {
		if _, ok := n.Get("left/new"); ok {
			t.Fatalf("%s saw a write across the partition", n.Name())
		}
	}

	tn.heal()
	waitAlive(t, nodes, 4)
	waitValue(t, nodes, "left/new", []byte("from left"))
	waitValue(t, nodes, "right/new", []byte("from right"))
	waitValue(t, nodes, "shared/updated", []byte("right"))
	waitDeleted(t, nodes, "shared/deleted-left")
	waitDeleted(t, nodes, "shared/deleted-right")
}

func mustPut(t *testing.T, n *Node, key, value string) {
	t.Helper()
	if _, err := n.Put(key, []byte(value)); err != nil {
		t.Fatal(err)
	}
}

func mustDelete(t *testing.T, n *Node, key string) {
	t.Helper()
	if _, err := n.Delete(key); err != nil {
		t.Fatal(err)
	}
}
