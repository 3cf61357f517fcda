package scheduler

import (
	"strings"
	"testing"
	"time"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	"pgregory.net/rapid"

	"github.com/podman-swarm/podman-swarm/manifest"
)

// pinnedPod reports whether a pod keeps data on its node.
func pinnedPod(p manifest.Pod) bool { return len(Pinned(&p.Spec)) > 0 }

// drawPinningInput is drawInput with some Deployments and bare pods given a writable
// hostPath, and NodeRemoved among the node states.
func drawPinningInput(t *rapid.T) Input {
	in := drawInput(t)
	for i, d := range in.Deployments {
		if rapid.Bool().Draw(t, "pinnedDeployment") {
			d = d.DeepCopy()
			hostData("/srv/" + d.Name)(d)
			in.Deployments[i] = d
		}
	}
	for i, p := range in.Pods {
		if rapid.Bool().Draw(t, "pinnedPod") {
			p = p.DeepCopy()
			withVolume(&p.Spec, hostPathVolume("data", "/srv/"+p.Name), false)
			in.Pods[i] = p
		}
	}
	// The assignments of pinned owners carry the pinned spec, as the store would.
	byOwner := map[string]*appsv1.Deployment{}
	for _, d := range in.Deployments {
		byOwner[d.Name] = d
	}
	bare := map[string]*corev1.Pod{}
	for _, p := range in.Pods {
		bare[p.Name] = p
	}
	for i, a := range in.Assignments {
		if d := byOwner[a.Pod.Owner]; d != nil && a.Pod.TemplateHash == deploymentHash(d) {
			pod := manifest.DeploymentPod(d, 0)
			a.Pod.Spec = pod.Spec
			in.Assignments[i] = a
		}
	}
	for _, p := range in.Pods {
		if rapid.Bool().Draw(t, "bareAssigned") {
			in.Assignments = append(in.Assignments, Assignment{
				Pod:  manifest.BarePod(p),
				Node: rapid.SampledFrom(append(nodeNames(in.Nodes), "gone-node")).Draw(t, "bareNode"),
			})
		}
	}
	for i := range in.Nodes {
		if rapid.IntRange(0, 9).Draw(t, "removed") == 0 {
			in.Nodes[i].State = NodeRemoved
		}
	}
	return in
}

func nodeNames(nodes []Node) []string {
	var names []string
	for _, n := range nodes {
		names = append(names, n.Name)
	}
	return names
}

// A pinned pod never gets a second assignment: through a run of plans, while nodes die,
// return, leave, drop out of the membership and are removed, a pinned pod that is assigned
// to a node is never assigned to another in the same plan, unless its node was removed, and
// is never removed for its node's sake unless its node was removed.
func TestPinnedPodsNeverMove(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		in := drawPinningInput(t)
		for round := 0; round < 6; round++ {
			out := Plan(in)
			state := map[string]NodeState{}
			for _, n := range in.Nodes {
				state[n.Name] = n.State
			}
			assigned := map[string]string{}
			for _, a := range in.Assignments {
				if pinnedPod(a.Pod) {
					assigned[a.Pod.Key()] = a.Node
				}
			}
			for _, c := range out.Create {
				from, ok := assigned[c.Pod.Key()]
				if ok && from != c.Node && state[from] != NodeRemoved {
					t.Fatalf("round %d: pinned pod %s assigned to %s while on %s (%q)", round, c.Pod.Key(), c.Node, from, state[from])
				}
			}
			for _, r := range out.Delete {
				if pinnedPod(r.Pod) && strings.HasPrefix(r.Reason, "node ") && state[r.Node] != NodeRemoved {
					t.Fatalf("round %d: pinned pod %s removed from %s (%q): %s", round, r.Pod.Key(), r.Node, state[r.Node], r.Reason)
				}
			}
			in = markReady(apply(in, out))
			in.Now = in.Now.Add(time.Duration(rapid.IntRange(0, 2).Draw(t, "elapsed")) * grace)
			in.Nodes = walkNodes(t, in.Nodes, in.Now)
		}
	})
}

// walkNodes changes some nodes' states as time passes: they die, come back, leave, are
// removed, or drop out of the membership.
func walkNodes(t *rapid.T, nodes []Node, now time.Time) []Node {
	var out []Node
	for _, n := range nodes {
		switch rapid.IntRange(0, 9).Draw(t, "change") {
		case 0:
			n.State, n.Since = NodeDead, now
		case 1:
			if n.State != NodeRemoved {
				n.State, n.Since = NodeAlive, now
			}
		case 2:
			if n.State != NodeRemoved {
				n.State, n.Since = NodeLeft, now
			}
		case 3:
			if rapid.IntRange(0, 3).Draw(t, "removal") == 0 {
				n.State, n.Since = NodeRemoved, now
			}
		case 4:
			continue // missing from the membership
		}
		out = append(out, n)
	}
	return out
}
