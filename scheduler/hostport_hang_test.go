package scheduler

import (
	"testing"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
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
