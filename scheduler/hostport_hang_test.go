package scheduler

import (
	"testing"
	"time"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/util/intstr"
)

// TestStopFirstKeepsItsFreedHostPort is the hang from a rolling update under load: a
// Deployment runs one pod per node on hostPort 8080, another Deployment waits Pending for
// the same port. The rollout cannot surge, so it replaces a pod stop-first; the port that
// pod frees must go to its replacement, not to the waiting Deployment, or the rollout never
// finishes.
func TestStopFirstKeepsItsFreedHostPort(t *testing.T) {
	nodes := []Node{alive("n1"), alive("n2"), alive("n3")}
	for _, names := range [][2]string{{"a", "b"}, {"web", "api"}} {
		rolled, waiting := names[0], names[1]
		t.Run(rolled+" rolls, "+waiting+" waits", func(t *testing.T) {
			v1 := deploy(rolled, 3, port(8080))
			v2 := deploy(rolled, 3, port(8080), image("example.org/"+rolled+":2"))
			other := deploy(waiting, 1, port(8080))
			in := input(nodes, []*appsv1.Deployment{v2, other},
				on(v1, 0, "n1"), on(v1, 1, "n2"), on(v1, 2, "n3"))
			for step := 0; ; step++ {
				if step > 20 {
					t.Fatalf("rollout of %s did not finish: %v", rolled, placement(in.Assignments))
				}
				out := Plan(in)
				for _, c := range out.Create {
					if c.Pod.Owner == waiting {
						t.Fatalf("step %d: %s took the port a stop-first replacement freed: %v", step, waiting, keys(out.Create))
					}
				}
				if out.Empty() && allReady(in) {
					break
				}
				// The pods in place report ready; those just created do so at the next step.
				before := map[string]bool{}
				for _, a := range in.Assignments {
					before[a.Pod.Key()] = true
				}
				in = apply(in, out)
				for i, a := range in.Assignments {
					if before[a.Pod.Key()] {
						in.Assignments[i].Status = PodStatus{Phase: corev1.PodRunning, Ready: true}
					}
				}
			}
			if got := perNode(in.Assignments, rolled); len(got) != 3 {
				t.Fatalf("%s pods per node = %v; want one on each of 3", rolled, got)
			}
			for _, a := range in.Assignments {
				if a.Pod.Owner == rolled && a.Pod.TemplateHash != deploymentHash(v2) {
					t.Fatalf("old pod %s still runs", a.Pod.Key())
				}
			}
		})
	}
}

// TestStopFirstKeepsItsPortAcrossPlans: the old pod a stop-first rollout removes may not
// be replaced in the same plan: its node did not answer the leader's ping that round (it
// counts as suspect, so the old pod is unavailable and goes first, and the node takes no
// new pod). At the next plan the node is back, and the port its old pod freed must go to
// the rollout, not to the Deployment that waits for it and sorts first.
func TestStopFirstKeepsItsPortAcrossPlans(t *testing.T) {
	for _, tt := range []struct {
		name string
		opt  func(*appsv1.Deployment)
		// gone: the old pod on the suspect node is removed in that round, within
		// Kubernetes' own maxUnavailable; with 0, only a stop-first could remove it, and
		// a stop-first takes a pod whose node takes the replacement at once.
		gone bool
	}{
		{name: "maxUnavailable 0", opt: func(*appsv1.Deployment) {}},
		{name: "maxUnavailable 1", opt: rolling(intstr.FromInt32(1), intstr.FromInt32(1)), gone: true},
	} {
		t.Run(tt.name, func(t *testing.T) { stopFirstAcrossPlans(t, tt.opt, tt.gone) })
	}
}

func stopFirstAcrossPlans(t *testing.T, opt func(*appsv1.Deployment), gone bool) {
	v1 := deploy("web", 3, port(8080), opt)
	v2 := deploy("web", 3, port(8080), opt, image("example.org/web:2"))
	waiting := deploy("api", 1, port(8080))
	up := []Node{alive("n1"), alive("n2"), alive("n3")}
	in := input(up, []*appsv1.Deployment{v2, waiting}, on(v1, 0, "n1"), on(v1, 1, "n2"), on(v1, 2, "n3"))
	in.Nodes = []Node{alive("n1"), alive("n2"), inState("n3", NodeSuspect, time.Second)}
	out := Plan(in)
	removedOnN3 := false
	for _, r := range out.Delete {
		removedOnN3 = removedOnN3 || r.Node == "n3"
	}
	if removedOnN3 != gone {
		t.Fatalf("with n3 suspect: creates %v, deletes %v; old pod on n3 removed = %v, want %v", keys(out.Create), removedKeys(out.Delete), removedOnN3, gone)
	}
	for _, c := range out.Create {
		if c.Node == "n3" || c.Pod.Owner == "api" {
			t.Fatalf("with n3 suspect: created %s on %s", c.Pod.Key(), c.Node)
		}
	}
	in = markReady(apply(in, out))
	in.Nodes = up
	for step := 0; ; step++ {
		if step > 20 {
			t.Fatalf("rollout did not finish: %v", placement(in.Assignments))
		}
		out := Plan(in)
		for _, c := range out.Create {
			if c.Pod.Owner == "api" {
				t.Fatalf("step %d: api took the port web's rollout freed: %v", step, keys(out.Create))
			}
		}
		mustBeFixedPoint(t, in, out)
		if out.Empty() && allReady(in) {
			break
		}
		in = markReady(apply(in, out))
	}
	if !rolledOut(in, v2) {
		t.Fatalf("web not rolled out: %v", placement(in.Assignments))
	}
}
