package agent

import (
	"testing"
	"time"
)

// A 2|3 partition heals in stages: during it the large side allocates its Services and
// gives its new pods their addresses; then n1 meets the large side first while n0, the old
// leader, still cannot reach it (yet sees all five alive through n1), and then every link
// heals. n0 leads again with its quorum pings answered, but its store may not hold what the
// large side wrote yet: it catches up with a majority before it plans, so that
//   - every Service but the contested left-x is allocated, each with an address of its own,
//     and none of the large side's allocation records changed;
//   - every pod has a pod IP of its own, and the large side's pods keep theirs.
func TestStagedHealLeaderCatchesUpBeforeAllocating(t *testing.T) {
	agents, lc := startPartitionable(t, 5)
	small, large := agents[:2], agents[2:]
	lc.partition(small, large)
	waitAliveOn(t, small, 2)
	waitAliveOn(t, large, 3)
	const ask = "10.43.9.9"
	leftYAML, left := partitionServices("left", 20, ask)
	rightYAML, right := partitionServices("right", 20, ask)
	apply(t, small[1], leftYAML+"---\n"+deploymentYAML("leftapp", 4, ""))
	apply(t, large[1], rightYAML+"---\n"+deploymentYAML("rightapp", 4, ""))
	eventually(t, 20*time.Second, "the large side shows its Services allocated and its pods placed", func() bool {
		for _, name := range right {
			if s, ok := service(t, large[0], name); !ok || !allocated(s) {
				return false
			}
		}
		return len(assignments(t, large[0])) == 4
	})
	largeAllocs := allocationVersions(large[0])
	largePods := assignments(t, large[0])

	// n1 first meets the large side; n0 still cannot reach it.
	lc.net.Cut([]string{small[0].Node().Addr()}, []string{large[0].Node().Addr(), large[1].Node().Addr(), large[2].Node().Addr()})
	eventually(t, 20*time.Second, "n0 sees 5 alive", func() bool { return alive(small[0]) == 5 })
	t.Logf("n0 sees 5 alive; n0 holds %d allocation records, the large side %d", len(allocationVersions(small[0])), len(largeAllocs))
	lc.heal()
	waitAliveOn(t, agents, 5)

	all := append(left[:len(left)-1:len(left)-1], right...)
	eventually(t, 30*time.Second, "every node shows every Service but left-x allocated and holds the 8 pods", func() bool {
		for _, a := range agents {
			svcs := services(t, a)
			for _, name := range all {
				if !allocated(svcs[name]) {
					return false
				}
			}
			if len(assignments(t, a)) != 8 {
				return false
			}
		}
		return true
	})
	settle()
	for _, a := range agents {
		svcs := services(t, a)
		if s := svcs["left-x"]; s.Spec.ClusterIP != "" {
			t.Errorf("%s shows left-x with ClusterIP %s; right-x holds %s", a.cfg.NodeName, s.Spec.ClusterIP, ask)
		}
		delete(svcs, "left-x")
		checkServiceAddresses(t, a.cfg.NodeName, svcs)
		if svcs["right-x"].Spec.ClusterIP != ask {
			t.Errorf("%s shows right-x with %s; the large side gave it %s", a.cfg.NodeName, svcs["right-x"].Spec.ClusterIP, ask)
		}
		got := allocationVersions(a)
		for key, v := range largeAllocs {
			if got[key] != v {
				t.Errorf("%s holds %s at version %v; the large side wrote it at %v", a.cfg.NodeName, key, got[key], v)
			}
		}
		as := assignments(t, a)
		checkPodIPs(t, a.cfg.NodeName, as, nil)
		for key, want := range largePods {
			if got := as[key]; got.PodIP != want.PodIP || got.Node != want.Node {
				t.Errorf("%s holds %s on %s with pod IP %s; the large side placed it on %s with %s",
					a.cfg.NodeName, key, got.Node, got.PodIP, want.Node, want.PodIP)
			}
		}
	}
}
