package scheduler

import (
	"fmt"
	"math/rand/v2"
	"reflect"
	"strings"
	"testing"
	"time"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/util/intstr"
	"pgregory.net/rapid"

	"github.com/podman-swarm/podman-swarm/manifest"
)

// The generators below draw clusters that the scheduler could meet: nodes in every state,
// Deployments with selectors and host ports, pods of current and older templates, and
// assignments that a previous leader could have written (no host port used twice on a node).

var (
	zones = []string{"", "east", "west", "north"}
	disks = []string{"", "ssd", "hdd"}
	ports = []int32{0, 0, 0, 80, 443, 8080}
)

func drawLabels(t *rapid.T, label string) []string {
	var kv []string
	if z := rapid.SampledFrom(zones).Draw(t, label+"Zone"); z != "" {
		kv = append(kv, "zone", z)
	}
	if d := rapid.SampledFrom(disks).Draw(t, label+"Disk"); d != "" {
		kv = append(kv, "disk", d)
	}
	return kv
}

func drawNodes(t *rapid.T) []Node {
	count := rapid.IntRange(1, 50).Draw(t, "nodes")
	states := []NodeState{NodeAlive, NodeAlive, NodeAlive, NodeAlive, NodeSuspect, NodeDead, NodeLeft}
	var nodes []Node
	for i := 0; i < count; i++ {
		name := fmt.Sprintf("n%02d", i)
		state := rapid.SampledFrom(states).Draw(t, "state")
		since := time.Duration(rapid.IntRange(0, 120).Draw(t, "since")) * time.Second
		nodes = append(nodes, inState(name, state, since, drawLabels(t, "node")...))
	}
	return nodes
}

func drawDeployment(t *rapid.T, i int, withPorts bool) *appsv1.Deployment {
	opts := []func(*appsv1.Deployment){selector(drawLabels(t, "selector")...)}
	if p := rapid.SampledFrom(ports).Draw(t, "port"); withPorts && p != 0 {
		opts = append(opts, port(p))
	}
	switch rapid.IntRange(0, 3).Draw(t, "strategy") {
	case 0:
		opts = append(opts, recreate)
	case 1:
		opts = append(opts, rolling(intstr.FromInt32(int32(rapid.IntRange(0, 3).Draw(t, "surge"))), intstr.FromString("50%")))
	}
	return deploy(fmt.Sprintf("d%02d", i), rapid.IntRange(0, 20).Draw(t, "replicas"), opts...)
}

// drawAssignments places random pods of the Deployments (current or older templates, and
// of Deployments that no longer exist) on random nodes, skipping any that would use a host
// port twice on one node.
func drawAssignments(t *rapid.T, nodes []Node, deps []*appsv1.Deployment) []Assignment {
	names := []string{"gone-node"}
	for _, n := range nodes {
		names = append(names, n.Name)
	}
	used := map[string]map[int32]bool{}
	taken := map[string]bool{}
	var as []Assignment
	count := rapid.IntRange(0, 120).Draw(t, "assignments")
	for i := 0; i < count && len(deps) > 0; i++ {
		d := rapid.SampledFrom(deps).Draw(t, "owner")
		switch rapid.IntRange(0, 5).Draw(t, "template") {
		case 0:
			d = deploy(d.Name, 1, image("example.org/old:1"))
		case 1:
			d = deploy("deleted", 1)
		}
		a := Assignment{
			Pod:  manifest.DeploymentPod(d, rapid.IntRange(0, 24).Draw(t, "ordinal")),
			Node: rapid.SampledFrom(names).Draw(t, "node"),
			Status: PodStatus{
				Phase: rapid.SampledFrom([]corev1.PodPhase{"", corev1.PodPending, corev1.PodRunning}).Draw(t, "phase"),
				Ready: rapid.Bool().Draw(t, "ready"),
			},
		}
		if taken[a.Pod.Key()] {
			continue
		}
		if used[a.Node] == nil {
			used[a.Node] = map[int32]bool{}
		}
		clash := false
		for _, p := range manifest.PublishedPorts(&a.Pod.Spec) {
			clash = clash || used[a.Node][p.HostPort]
		}
		if clash {
			continue
		}
		for _, p := range manifest.PublishedPorts(&a.Pod.Spec) {
			used[a.Node][p.HostPort] = true
		}
		taken[a.Pod.Key()] = true
		as = append(as, a)
	}
	return as
}

func drawInput(t *rapid.T) Input {
	nodes := drawNodes(t)
	var deps []*appsv1.Deployment
	for i := rapid.IntRange(0, 15).Draw(t, "deployments"); i > 0; i-- {
		deps = append(deps, drawDeployment(t, i, true))
	}
	in := input(nodes, deps, drawAssignments(t, nodes, deps)...)
	in.Seed = rapid.Uint64().Draw(t, "seed")
	for i := rapid.IntRange(0, 4).Draw(t, "barePods"); i > 0; i-- {
		p := barePodManifest(fmt.Sprintf("bare%d", i))
		if pt := rapid.SampledFrom(ports).Draw(t, "barePort"); pt != 0 {
			p = barePodManifest(p.Name, pt)
		}
		in.Pods = append(in.Pods, p)
	}
	return in
}

// fitsIn reports whether node n, in the cluster described by in, could take pod p: the
// scheduler's rules, written again independently of its code.
func fitsIn(in Input, n Node, p manifest.Pod) bool {
	if n.State != NodeAlive || (p.Spec.NodeName != "" && p.Spec.NodeName != n.Name) {
		return false
	}
	for k, v := range p.Spec.NodeSelector {
		if n.Labels[k] != v {
			return false
		}
	}
	for _, a := range in.Assignments {
		if a.Node != n.Name {
			continue
		}
		for _, mine := range manifest.PublishedPorts(&p.Spec) {
			for _, theirs := range manifest.PublishedPorts(&a.Pod.Spec) {
				if mine.HostPort == theirs.HostPort && mine.Protocol == theirs.Protocol {
					return false
				}
			}
		}
	}
	return true
}

func nodeKeepsPods(in Input, name string) bool {
	for _, n := range in.Nodes {
		if n.Name == name {
			return n.State != NodeLeft && !(n.State == NodeDead && in.Now.Sub(n.Since) >= in.DeadGrace)
		}
	}
	return false
}

func TestPlanProperties(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		in := drawInput(t)
		out := Plan(in)
		after := apply(in, out)
		nodes := map[string]Node{}
		for _, n := range in.Nodes {
			nodes[n.Name] = n
		}

		// One assignment per pod, and no host port used twice on a node.
		seen := map[string]bool{}
		ports := map[string]string{}
		for _, a := range after.Assignments {
			if seen[a.Pod.Key()] {
				t.Fatalf("pod %s assigned twice", a.Pod.Key())
			}
			seen[a.Pod.Key()] = true
			for _, p := range manifest.PublishedPorts(&a.Pod.Spec) {
				slot := fmt.Sprintf("%s %d/%s", a.Node, p.HostPort, p.Protocol)
				if other, ok := ports[slot]; ok {
					t.Fatalf("pods %s and %s share %s", other, a.Pod.Key(), slot)
				}
				ports[slot] = a.Pod.Key()
			}
		}

		// New pods go to alive nodes that match them.
		for _, c := range out.Create {
			n, ok := nodes[c.Node]
			if !ok || n.State != NodeAlive {
				t.Fatalf("pod %s created on node %q, which is not alive", c.Pod.Key(), c.Node)
			}
			for k, v := range c.Pod.Spec.NodeSelector {
				if n.Labels[k] != v {
					t.Fatalf("pod %s created on %s, whose labels %v miss %s=%s", c.Pod.Key(), c.Node, n.Labels, k, v)
				}
			}
		}

		// Pods move off gone nodes, and only off them.
		createdOn := placement(out.Create)
		for _, r := range out.Delete {
			keeps := nodeKeepsPods(in, r.Node)
			if keeps && strings.HasPrefix(r.Reason, "node ") {
				t.Fatalf("pod %s removed from %s (%s), which keeps its pods", r.Pod.Key(), r.Node, r.Reason)
			}
			if to, moved := createdOn[r.Pod.Key()]; keeps && moved && to != r.Node {
				t.Fatalf("pod %s moved from %s, which keeps its pods, to %s", r.Pod.Key(), r.Node, to)
			}
		}
		for _, a := range after.Assignments {
			if !nodeKeepsPods(in, a.Node) {
				t.Fatalf("pod %s left on node %s, which lost its pods", a.Pod.Key(), a.Node)
			}
		}

		// Every Deployment runs its replicas, or says which fit nowhere. A rollout under
		// way may hold new pods back, but never runs more than replicas of them.
		pending := map[string]int{}
		for _, p := range out.Pending {
			pending[p.Pod.Owner]++
		}
		for _, d := range in.Deployments {
			hash := deploymentHash(d)
			current, old := 0, 0
			for _, a := range after.Assignments {
				if a.Pod.Owner != d.Name {
					continue
				}
				if a.Pod.TemplateHash == hash {
					current++
				} else {
					old++
				}
			}
			if current > manifest.Replicas(d) {
				t.Fatalf("%s runs %d pods of its template; want at most %d", d.Name, current, manifest.Replicas(d))
			}
			if old == 0 && current+pending[d.Name] != manifest.Replicas(d) {
				t.Fatalf("%s runs %d pods and %d are pending; want %d in all", d.Name, current, pending[d.Name], manifest.Replicas(d))
			}
		}
		for _, a := range after.Assignments {
			if a.Pod.Owner == "deleted" {
				t.Fatalf("pod %s of a deleted Deployment kept", a.Pod.Key())
			}
		}

		// A pod is pending only when no node could take it.
		for _, p := range out.Pending {
			for _, n := range in.Nodes {
				if fitsIn(after, n, p.Pod) {
					t.Fatalf("pod %s pending (%s), but node %s could take it", p.Pod.Key(), p.Reason, n.Name)
				}
			}
			if !strings.HasPrefix(p.Reason, fmt.Sprintf("0/%d nodes are available: ", len(in.Nodes))) {
				t.Fatalf("pending reason %q", p.Reason)
			}
		}

		// A fixed point: planning again changes nothing and gives the same pending pods.
		again := Plan(after)
		if !again.Empty() {
			t.Fatalf("second plan creates %v and deletes %v; want nothing", keys(again.Create), removedKeys(again.Delete))
		}
		if !reflect.DeepEqual(again.Pending, out.Pending) {
			t.Fatalf("second plan's pending differ:\n %+v\n %+v", again.Pending, out.Pending)
		}
	})
}

func TestPlanIsDeterministic(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		in := drawInput(t)
		out := Plan(in)
		if again := Plan(in); !reflect.DeepEqual(out, again) {
			t.Fatalf("two plans of the same input differ")
		}
		// The order in which the store lists things does not matter either.
		r := rand.New(rand.NewPCG(rapid.Uint64().Draw(t, "shuffle"), 0))
		shuffled := in
		shuffled.Nodes = shuffledCopy(r, in.Nodes)
		shuffled.Deployments = shuffledCopy(r, in.Deployments)
		shuffled.Assignments = shuffledCopy(r, in.Assignments)
		shuffled.Pods = shuffledCopy(r, in.Pods)
		if again := Plan(shuffled); !reflect.DeepEqual(out, again) {
			t.Fatalf("plans of the same input in another order differ")
		}
	})
}

func shuffledCopy[T any](r *rand.Rand, s []T) []T {
	out := append([]T(nil), s...)
	r.Shuffle(len(out), func(i, j int) { out[i], out[j] = out[j], out[i] })
	return out
}

// TestSpreadIsBalanced places Deployments on an empty cluster. With nothing else in the
// way (no host port shared between Deployments), each Deployment's pods differ by at most
// one between any two nodes that can take them.
func TestSpreadIsBalanced(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		nodes := drawNodes(t)
		var deps []*appsv1.Deployment
		for i := rapid.IntRange(1, 15).Draw(t, "deployments"); i > 0; i-- {
			d := drawDeployment(t, i, false)
			if rapid.Bool().Draw(t, "ownPort") {
				port(int32(10000 + i))(d)
			}
			deps = append(deps, d)
		}
		in := input(nodes, deps)
		in.Seed = rapid.Uint64().Draw(t, "seed")
		out := Plan(in)
		for _, d := range deps {
			counts := perNode(out.Create, d.Name)
			lo, hi, eligible := -1, -1, 0
			for _, n := range nodes {
				if !fitsIn(Input{}, n, manifest.DeploymentPod(d, 0)) {
					if counts[n.Name] > 0 {
						t.Fatalf("%s placed on %s, which cannot take it", d.Name, n.Name)
					}
					continue
				}
				eligible++
				c := counts[n.Name]
				if lo < 0 || c < lo {
					lo = c
				}
				if c > hi {
					hi = c
				}
			}
			if hi-lo > 1 {
				t.Fatalf("%s: %v pods per node; want a spread of at most one", d.Name, counts)
			}
			placed := 0
			for _, c := range counts {
				placed += c
			}
			// Placement is possible whenever a node is eligible (and, with a host port, for
			// as many pods as there are eligible nodes).
			want := manifest.Replicas(d)
			if len(manifest.PublishedPorts(&d.Spec.Template.Spec)) > 0 {
				want = min(want, eligible)
			} else if eligible == 0 {
				want = 0
			}
			if placed != want {
				t.Fatalf("%s: %d pods placed on %d eligible nodes; want %d", d.Name, placed, eligible, want)
			}
		}
	})
}
