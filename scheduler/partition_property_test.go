package scheduler

import (
	"fmt"
	"reflect"
	"slices"
	"testing"
	"time"

	appsv1 "k8s.io/api/apps/v1"
	"pgregory.net/rapid"

	"github.com/podman-swarm/podman-swarm/manifest"
)

// drawKnown names the members a leader counts for its quorum: the drawn nodes that have
// neither left nor been removed, and a few remembered from before a restart that the
// membership does not list.
func drawKnown(t *rapid.T, nodes []Node) []string {
	known := []string{} // not nil: nil asks for no quorum at all
	for _, n := range nodes {
		if n.State != NodeLeft && n.State != NodeRemoved {
			known = append(known, n.Name)
		}
	}
	for i := rapid.IntRange(0, 3).Draw(t, "remembered"); i > 0; i-- {
		known = append(known, fmt.Sprintf("r%d", i))
	}
	return known
}

func aliveKnown(nodes []Node, known []string) int {
	count := 0
	for _, n := range nodes {
		if n.State == NodeAlive && slices.Contains(known, n.Name) {
			count++
		}
	}
	return count
}

// Without a majority of the known members alive, Plan creates nothing, deletes nothing and
// lists nothing as pending (writing the pending list would be a write too); with one, the
// quorum changes nothing in the plan.
func TestNoPlanWithoutQuorum(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		in := drawInput(t)
		in.Known = drawKnown(t, in.Nodes)
		out := Plan(in)
		if Majority(aliveKnown(in.Nodes, in.Known), len(in.Known)) {
			plain := in
			plain.Known = nil
			if !reflect.DeepEqual(out, Plan(plain)) {
				t.Fatalf("with a quorum the plan differs from the plan without one")
			}
			return
		}
		if !out.Empty() || len(out.Pending) != 0 || !out.RecheckAt.IsZero() || out.NoQuorum == "" {
			t.Fatalf("without a quorum: creates %v, deletes %v, pending %d, recheck %v, NoQuorum %q; want nothing but the reason",
				keys(out.Create), removedKeys(out.Delete), len(out.Pending), out.RecheckAt, out.NoQuorum)
		}
	})
}

// settle plans and applies until nothing changes, every pod on an alive node reported
// ready in between.
func settle(t *rapid.T, in Input, what string) Input {
	for i := 0; ; i++ {
		if i > 50 {
			t.Fatalf("%s: no fixed point after 50 plans", what)
		}
		out := Plan(in)
		if out.NoQuorum != "" {
			t.Fatalf("%s: no quorum: %s", what, out.NoQuorum)
		}
		if out.Empty() {
			return in
		}
		in = markReady(apply(in, out))
	}
}

// Healing converges to the desired count: a cluster cut in two, the small side plans
// nothing, the large side places the small side's pods again (except pinned ones, which
// wait for their nodes), and once the cut heals, with the large side's assignments as the
// store holds them (the small side wrote none), the next plan changes nothing and every
// Deployment runs exactly its replicas, each pod on one node.
func TestHealingConverges(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		count := rapid.IntRange(3, 9).Draw(t, "nodes")
		var nodes []Node
		var names []string
		for i := range count {
			name := fmt.Sprintf("n%d", i)
			nodes = append(nodes, alive(name))
			names = append(names, name)
		}
		var deps []*appsv1.Deployment
		for i := rapid.IntRange(1, 4).Draw(t, "deployments"); i > 0; i-- {
			var opts []func(*appsv1.Deployment)
			if rapid.Bool().Draw(t, "pinned") {
				opts = append(opts, hostData(fmt.Sprintf("/srv/d%d", i)))
			}
			deps = append(deps, deploy(fmt.Sprintf("d%d", i), rapid.IntRange(0, 12).Draw(t, "replicas"), opts...))
		}
		in := input(nodes, deps)
		in.Known = names
		in.Seed = rapid.Uint64().Draw(t, "seed")
		in = settle(t, in, "before the cut")

		// The cut: a minority of the nodes, the rest on the other side.
		perm := rapid.Permutation(names).Draw(t, "sides")
		small := perm[:rapid.IntRange(1, (count-1)/2).Draw(t, "smallSide")]
		onSmall := map[string]bool{}
		for _, n := range small {
			onSmall[n] = true
		}
		view := func(deadOnes func(string) bool) Input {
			v := in
			v.Now = in.Now.Add(10 * grace)
			v.Nodes = nil
			for _, n := range names {
				if deadOnes(n) {
					v.Nodes = append(v.Nodes, Node{Name: n, State: NodeDead, Since: in.Now})
				} else {
					v.Nodes = append(v.Nodes, Node{Name: n, State: NodeAlive, Since: in.Now.Add(-time.Hour)})
				}
			}
			return v
		}
		smallView := view(func(n string) bool { return !onSmall[n] })
		if out := Plan(smallView); !out.Empty() || len(out.Pending) != 0 || out.NoQuorum == "" {
			t.Fatalf("the small side %v plans: creates %v, deletes %v, NoQuorum %q", small, keys(out.Create), removedKeys(out.Delete), out.NoQuorum)
		}
		large := settle(t, view(func(n string) bool { return onSmall[n] }), "on the large side")
		for _, d := range deps {
			runs := 0
			for _, a := range large.Assignments {
				if a.Pod.Owner != d.Name {
					continue
				}
				runs++
				if onSmall[a.Node] && !pinnedPod(a.Pod) {
					t.Fatalf("pod %s left on %s, on the small side", a.Pod.Key(), a.Node)
				}
			}
			if runs != manifest.Replicas(d) {
				t.Fatalf("%s has %d pods on the large side; want %d", d.Name, runs, manifest.Replicas(d))
			}
		}

		// The cut heals: every node alive again, the store as the large side left it.
		healed := large
		healed.Now = large.Now.Add(grace)
		healed.Nodes = nil
		for _, n := range names {
			healed.Nodes = append(healed.Nodes, Node{Name: n, State: NodeAlive, Since: large.Now})
		}
		out := Plan(healed)
		if !out.Empty() || len(out.Pending) != 0 {
			t.Fatalf("after healing: creates %v, deletes %v, pending %+v; want nothing", keys(out.Create), removedKeys(out.Delete), out.Pending)
		}
		seen := map[string]bool{}
		for _, a := range healed.Assignments {
			if seen[a.Pod.Key()] {
				t.Fatalf("pod %s assigned twice", a.Pod.Key())
			}
			seen[a.Pod.Key()] = true
		}
		for _, d := range deps {
			if got := perNode(healed.Assignments, d.Name); sum(got) != manifest.Replicas(d) {
				t.Fatalf("%s runs %v after healing; want %d pods", d.Name, got, manifest.Replicas(d))
			}
		}
	})
}

func sum(m map[string]int) int {
	total := 0
	for _, v := range m {
		total += v
	}
	return total
}
