package scheduler

import (
	"testing"
	"time"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/util/intstr"
	"pgregory.net/rapid"
)

// TestHostPortRolloutsFinishBesideWaitingPods drives rollouts of a Deployment on an
// explicit hostPort while another Deployment waits Pending for the same port, with new
// pods that turn ready after a random number of plans and minReadySeconds on the clock:
// at every step the plan is a fixed point, no pod of the waiting Deployment takes a port
// while the rollout needs it, and the rollout ends with only the new template's pods.
func TestHostPortRolloutsFinishBesideWaitingPods(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		nodeCount := rapid.IntRange(1, 4).Draw(t, "nodes")
		var nodes []Node
		for i := range nodeCount {
			nodes = append(nodes, alive(string(rune('a'+i))))
		}
		replicas := rapid.IntRange(1, nodeCount).Draw(t, "replicas")
		surge := intstr.FromInt32(int32(rapid.IntRange(0, 2).Draw(t, "surge")))
		unavailable := intstr.FromInt32(int32(rapid.IntRange(0, 2).Draw(t, "unavailable")))
		names := rapid.SampledFrom([][2]string{{"a", "b"}, {"web", "api"}}).Draw(t, "names")
		minReadySeconds := int32(rapid.IntRange(0, 20).Draw(t, "minReadySeconds"))
		opt := rolling(surge, unavailable)
		v1 := deploy(names[0], replicas, port(8080), opt, minReady(minReadySeconds))
		v2 := deploy(names[0], replicas, port(8080), opt, minReady(minReadySeconds), image("example.org/x:2"))
		waiting := deploy(names[1], rapid.IntRange(1, 3).Draw(t, "waiting"), port(8080))
		var as []Assignment
		for i := range replicas {
			as = append(as, readySince(on(v1, i, nodes[i].Name), time.Hour))
		}
		in := input(nodes, []*appsv1.Deployment{v1, waiting}, as...)
		// The waiting Deployment takes the nodes the first template leaves free.
		for range 3 {
			in = apply(in, Plan(in))
		}
		in = readyAll(in, in.Now)
		in.Deployments = []*appsv1.Deployment{v2, waiting}
		// The leader's rollout record says web rolls out until it is done.
		in.RollingOut = map[string]bool{"default/" + v2.Name: true}
		readyAfter := map[string]int{}
		for step := 0; ; step++ {
			if step > 200 {
				t.Fatalf("rollout did not finish: %v", placement(in.Assignments))
			}
			// Now and then a node misses the leader's ping and counts as suspect for a plan.
			planned := in
			if rapid.IntRange(0, 3).Draw(t, "suspectRound") == 0 {
				planned.Nodes = append([]Node(nil), in.Nodes...)
				i := rapid.IntRange(0, nodeCount-1).Draw(t, "suspect")
				planned.Nodes[i] = inState(planned.Nodes[i].Name, NodeSuspect, time.Second)
			}
			out := Plan(planned)
			mustBeFixedPointRapid(t, planned, out)
			for _, c := range out.Create {
				if c.Pod.Owner == waiting.Name {
					t.Fatalf("step %d: %s placed %s while %s rolls out", step, waiting.Name, c.Pod.Key(), v2.Name)
				}
				readyAfter[c.Pod.Key()] = step + rapid.IntRange(0, 3).Draw(t, "readyAfter")
			}
			in = apply(in, out)
			// The clock moves on; pods whose time came report ready since now.
			in.Now = in.Now.Add(5 * time.Second)
			for i, a := range in.Assignments {
				if at, ok := readyAfter[a.Pod.Key()]; ok && step >= at && !a.Status.Ready {
					in.Assignments[i].Status = PodStatus{Phase: corev1.PodRunning, Ready: true, ReadySince: in.Now}
				}
			}
			if out.Empty() && allAliveRound(planned) && rolledOut(in, v2) {
				break
			}
		}
	})
}

func readyAll(in Input, now time.Time) Input {
	for i := range in.Assignments {
		if !in.Assignments[i].Status.Ready {
			in.Assignments[i].Status = PodStatus{Phase: corev1.PodRunning, Ready: true, ReadySince: now.Add(-time.Hour)}
		}
	}
	return in
}

// rolledOut: every pod of d's Deployment runs d's template, as many as its replicas.
func rolledOut(in Input, d *appsv1.Deployment) bool {
	n := 0
	for _, a := range in.Assignments {
		if a.Pod.Owner != d.Name {
			continue
		}
		if a.Pod.TemplateHash != deploymentHash(d) {
			return false
		}
		n++
	}
	return n == int(*d.Spec.Replicas)
}

func mustBeFixedPointRapid(t *rapid.T, in Input, out Output) {
	again := Plan(apply(in, out))
	if !again.Empty() {
		t.Fatalf("not a fixed point: second plan creates %v, deletes %v", keys(again.Create), removedKeys(again.Delete))
	}
	if !out.RecheckAt.IsZero() && !out.RecheckAt.After(in.Now) {
		t.Fatalf("RecheckAt %v is not after now %v", out.RecheckAt, in.Now)
	}
}

func allAliveRound(in Input) bool {
	for _, n := range in.Nodes {
		if n.State != NodeAlive {
			return false
		}
	}
	return true
}
