package cluster

import (
	"testing"
	"time"
)

// Between members that all answer fetches, the periodic push/pull carries the clock
// alone, and a join the whole store. (That the digests and fetch alone repair what a
// member missed, under loss and partitions, is TestConvergeUnderLossAndPartition.)
func TestPeriodicPushPullCarriesTheClockAlone(t *testing.T) {
	nodes := startCluster(t, 3, nil)
	for i, k := range []string{"a", "b", "c"} {
		if _, err := nodes[i].Put(k, []byte("v")); err != nil {
			t.Fatal(err)
		}
	}
	for _, k := range []string{"a", "b", "c"} {
		waitValue(t, nodes, k, []byte("v"))
	}
	waitFor(t, 20*time.Second, "n0 reads in every member's metadata that it fetches", func() bool {
		return nodes[0].members.allFetch(nodes[0].Name())
	})

	d := &delegate{n: nodes[0]}
	clock, entries, err := decodePushPull(d.LocalState(false), time.Now())
	if err != nil || len(entries) != 0 || clock < nodes[0].clock.Time()-1 {
		t.Fatalf("periodic state: clock %d, %d entries, %v; want the clock (%d) alone", clock, len(entries), err, nodes[0].clock.Time())
	}
	if _, entries, err := decodePushPull(d.LocalState(true), time.Now()); err != nil || len(entries) != 3 {
		t.Fatalf("join state: %d entries, %v; want the whole store, 3", len(entries), err)
	}
}
