package agent

import (
	"fmt"
	"maps"
	"net/url"
	"strings"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"

	"github.com/podman-swarm/podman-swarm/cluster"
)

// partitionServices is what one side of a partition applies: n Services named
// prefix-0..., every other one a NodePort, and prefix-x asking for clusterIP ask.
func partitionServices(prefix string, n int, ask string) (yaml string, names []string) {
	var docs []string
	for i := range n {
		typ := corev1.ServiceType("")
		if i%2 == 1 {
			typ = corev1.ServiceTypeNodePort
		}
		name := fmt.Sprintf("%s-%d", prefix, i)
		docs = append(docs, svcYAML(name, typ, ""))
		names = append(names, name)
	}
	docs = append(docs, svcYAML(prefix+"-x", "", ask))
	return strings.Join(docs, "---\n"), append(names, prefix+"-x")
}

// Two of five nodes, the leader among them, are cut off from the three others, and both
// sides apply new Services, each side one asking for the same ClusterIP:
//   - the small side allocates nothing: its Services show no ClusterIP and its nodes'
//     allocation records stay as they were; the large side allocates all of its own;
//   - once healed, every Service but one has an address of its own, and none of the
//     allocations the large side made changed: the large side's Service keeps the
//     ClusterIP both asked for, though its name sorts after the other's, and the small
//     side's gets none and a Warning event that says why.
func TestPartitionedSidesApplyingServices(t *testing.T) {
	agents, lc := startPartitionable(t, 5)
	apply(t, agents[0], svcYAML("before", corev1.ServiceTypeNodePort, ""))
	waitAllocated(t, agents, "before")
	small, large := agents[:2], agents[2:]
	smallBefore := map[string]map[string]cluster.Version{}
	for _, a := range small {
		smallBefore[a.cfg.NodeName] = allocationVersions(a)
	}

	lc.partition(small, large)
	waitAliveOn(t, small, 2)
	waitAliveOn(t, large, 3)
	const ask = "10.43.9.9"
	leftYAML, left := partitionServices("left", 6, ask)
	rightYAML, right := partitionServices("right", 6, ask)
	apply(t, small[1], leftYAML)
	apply(t, large[1], rightYAML)

	eventually(t, 20*time.Second, "the large side shows its Services allocated", func() bool {
		for _, a := range large {
			for _, name := range right {
				if s, ok := service(t, a, name); !ok || !allocated(s) {
					return false
				}
			}
		}
		return true
	})
	if s, _ := service(t, large[0], "right-x"); s.Spec.ClusterIP != ask {
		t.Fatalf("the large side gave right-x %s; it asked for %s", s.Spec.ClusterIP, ask)
	}
	settle() // the small side has had time to allocate, were it to
	for _, a := range small {
		for _, name := range left {
			if s, ok := service(t, a, name); !ok || s.Spec.ClusterIP != "" || len(s.Spec.ClusterIPs) != 0 || s.Spec.Ports[0].NodePort != 0 {
				t.Errorf("during the cut %s shows %s (found: %v) with ClusterIP %q and node port %d; want it unallocated",
					a.cfg.NodeName, name, ok, s.Spec.ClusterIP, s.Spec.Ports[0].NodePort)
			}
		}
		if ep := endpointsOf(t, a, "left-x"); ep.ClusterIP != "" {
			t.Errorf("during the cut %s gives the DNS and the pods' rules left-x with ClusterIP %s; want none", a.cfg.NodeName, ep.ClusterIP)
		}
		if got := allocationVersions(a); !maps.Equal(got, smallBefore[a.cfg.NodeName]) {
			t.Errorf("during the cut %s's allocation records changed: %v; were %v", a.cfg.NodeName, got, smallBefore[a.cfg.NodeName])
		}
	}
	largeAllocs := allocationVersions(large[0])

	lc.heal()
	waitAliveOn(t, agents, 5)
	all := append(append([]string{"before"}, left[:len(left)-1]...), right...)
	eventually(t, 30*time.Second, "every node shows every Service but left-x allocated", func() bool {
		for _, a := range agents {
			svcs := services(t, a)
			for _, name := range all {
				if !allocated(svcs[name]) {
					return false
				}
			}
		}
		return true
	})
	settle()
	for _, a := range agents {
		svcs := services(t, a)
		if s := svcs["left-x"]; s.Spec.ClusterIP != "" || len(s.Spec.ClusterIPs) != 0 {
			t.Errorf("%s shows left-x with ClusterIP %q %v; want none, right-x holds %s", a.cfg.NodeName, s.Spec.ClusterIP, s.Spec.ClusterIPs, ask)
		}
		if ep := endpointsOf(t, a, "left-x"); ep.ClusterIP != "" {
			t.Errorf("%s gives the DNS and the pods' rules left-x with ClusterIP %s; want none", a.cfg.NodeName, ep.ClusterIP)
		}
		if r := allocationRecords(t, a)["default/left-x"]; !r.Empty() {
			t.Errorf("%s holds an allocation for left-x: %+v; want none, right-x holds %s", a.cfg.NodeName, r, ask)
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
	}
	evs := listEvents(t, agents[0], url.Values{"namespace": {"default"}, "object": {"service/left-x"}})
	if len(evs) != 1 || evs[0].Type != corev1.EventTypeWarning || evs[0].Reason != "AllocationFailed" ||
		!strings.Contains(evs[0].Message, ask) || !strings.Contains(evs[0].Message, "already allocated") {
		t.Errorf("the events about left-x: %+v; want one Warning AllocationFailed saying %s is already allocated", evs, ask)
	}
	if evs := listEvents(t, agents[0], url.Values{"namespace": {"default"}, "object": {"service/right-x"}}); len(evs) != 0 {
		t.Errorf("events about right-x, which got its address: %+v", evs)
	}
}

// Two Services ask for the same ClusterIP through two nodes at the same moment: the two
// nodes are cut apart (two and two, so that neither side has a majority and neither
// allocates) just while the applies run, so that each apply passes its node's check
// without having seen the other's. Once healed, exactly one of them holds the address;
// the other has no allocation, shows none, and carries a Warning event naming the
// conflict, as the README's "Service addresses" says.
func TestTwoAppliesRacingForOneClusterIP(t *testing.T) {
	agents, lc := startPartitionable(t, 4)
	left, right := agents[:2], agents[2:]
	const ask = "10.43.20.20"
	lc.partition(left, right)
	if r := applyResult(t, left[1], svcYAML("alpha", "", ask)); r != "created" {
		t.Fatalf("apply alpha: %s", r)
	}
	if r := applyResult(t, right[1], svcYAML("beta", "", ask)); r != "created" {
		t.Fatalf("apply beta: %s", r)
	}
	lc.heal()
	waitAliveOn(t, agents, 4)
	eventually(t, 20*time.Second, "every node holds both Services and one of them has "+ask, func() bool {
		for _, a := range agents {
			svcs := services(t, a)
			if len(svcs) != 2 || svcs["alpha"].Spec.ClusterIP == "" && svcs["beta"].Spec.ClusterIP == "" {
				return false
			}
		}
		return true
	})
	settle()
	svcs := services(t, agents[0])
	winner, loser := "alpha", "beta"
	if svcs["beta"].Spec.ClusterIP != "" {
		winner, loser = loser, winner
	}
	t.Logf("%s got %s", winner, ask)
	for _, a := range agents {
		svcs := services(t, a)
		if svcs[winner].Spec.ClusterIP != ask || svcs[loser].Spec.ClusterIP != "" {
			t.Errorf("%s shows %s with %q and %s with %q; want %s and none", a.cfg.NodeName,
				winner, svcs[winner].Spec.ClusterIP, loser, svcs[loser].Spec.ClusterIP, ask)
		}
		if ep := endpointsOf(t, a, loser); ep.ClusterIP != "" {
			t.Errorf("%s gives its companions %s with ClusterIP %s", a.cfg.NodeName, loser, ep.ClusterIP)
		}
		recs := allocationRecords(t, a)
		if recs["default/"+winner].ClusterIP != ask || len(recs) != 1 {
			t.Errorf("%s holds the allocations %+v; want %s's only", a.cfg.NodeName, recs, winner)
		}
	}
	for _, a := range agents {
		evs := listEvents(t, a, url.Values{"namespace": {"default"}, "object": {"service/" + loser}})
		if len(evs) != 1 {
			t.Fatalf("%s serves %d events about %s: %+v; want one", a.cfg.NodeName, len(evs), loser, evs)
		}
		ev := evs[0]
		if a == agents[0] {
			t.Logf("the event: %s %s: %s", ev.Type, ev.Reason, ev.Message)
		}
		if ev.Type != corev1.EventTypeWarning || ev.Reason != "AllocationFailed" || ev.InvolvedObject.Kind != "Service" ||
			!strings.Contains(ev.Message, "spec.clusterIP") || !strings.Contains(ev.Message, ask) ||
			!strings.Contains(ev.Message, "already allocated to another Service") {
			t.Errorf("%s: the event about %s: %s %s on %s: %q", a.cfg.NodeName, loser, ev.Type, ev.Reason, ev.InvolvedObject.Kind, ev.Message)
		}
		if evs := listEvents(t, a, url.Values{"namespace": {"default"}, "object": {"service/" + winner}}); len(evs) != 0 {
			t.Errorf("%s serves events about %s, which got its address: %+v", a.cfg.NodeName, winner, evs)
		}
	}
	// Asked again, the taken address is refused at once, through any node.
	details := refusal(t, right[0], svcYAML(loser, "", ask))
	if len(details) != 1 || !strings.Contains(details[0], `spec.clusterIP: Invalid value: "`+ask+`": provided IP is already allocated`) {
		t.Errorf("applying %s again: %q", loser, details)
	}
}
