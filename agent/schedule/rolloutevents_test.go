package schedule

import (
	"testing"
	"time"

	"github.com/podman-swarm/podman-swarm/agent/store"
	"github.com/podman-swarm/podman-swarm/scheduler"
)

func reasons(evs []rolloutEvent) []string {
	var out []string
	for _, e := range evs {
		out = append(out, e.reason+": "+e.message)
	}
	return out
}

// A rollout's steps, one record after the other: each new template, each count that
// moves while it rolls out, completion, the deadline, pause and resume become events, in
// Kubernetes' reasons where it has them; a record written again with nothing new, the
// first template's pods and a complete Deployment's say nothing.
func TestRolloutEvents(t *testing.T) {
	v1 := webDeployment("web:1", 2, deadline(60))
	v2 := webDeployment("web:2", 2, deadline(60))
	var rec store.Rollout
	had := false
	next := func(dep bool, counts scheduler.DeploymentCounts, at time.Duration) []string {
		d := v1
		if dep {
			d = v2
		}
		n := nextRollout(rec, d, nil, counts, t0.Add(at))
		evs := reasons(rolloutEvents(d, rec, had, n))
		rec, had = n, true
		return evs
	}
	check := func(what string, got []string, want ...string) {
		t.Helper()
		if len(got) != len(want) {
			t.Fatalf("%s: events %q, want %q", what, got, want)
		}
		for i := range got {
			if got[i] != want[i] {
				t.Fatalf("%s: events %q, want %q", what, got, want)
			}
		}
	}
	check("first record", next(false, scheduler.DeploymentCounts{}, 0))
	// The first template's pods coming up are no rollout.
	check("first pods up", next(false, scheduler.DeploymentCounts{Updated: 1}, time.Second))
	check("first pods ready", next(false, scheduler.DeploymentCounts{Updated: 2, Available: 2, AllAvailable: 2}, time.Second))
	check("nothing new", next(false, scheduler.DeploymentCounts{Updated: 2, Available: 2, AllAvailable: 2}, 2*time.Second))
	check("new image", next(true, scheduler.DeploymentCounts{Old: 2, AllAvailable: 2}, 3*time.Second),
		"RolloutStarted: Rolling out revision 2 (app=web:2)")
	check("one new pod", next(true, scheduler.DeploymentCounts{Updated: 1, Old: 2, AllAvailable: 2}, 4*time.Second),
		"RolloutStep: Revision 2: 1 of 2 new replicas updated, 0 available, 2 old left")
	check("stuck past the deadline", next(true, scheduler.DeploymentCounts{Updated: 1, Old: 2, AllAvailable: 2}, 70*time.Second),
		"ProgressDeadlineExceeded: Revision 2 made no progress for 1m0s: 0 of 2 new replicas available")

	v2.Spec.Paused = true
	check("paused", next(true, scheduler.DeploymentCounts{Updated: 1, Old: 2, AllAvailable: 2}, 80*time.Second),
		"DeploymentPaused: Deployment is paused")
	check("still paused", next(true, scheduler.DeploymentCounts{Updated: 1, Old: 2, AllAvailable: 2}, 90*time.Second))
	v2.Spec.Paused = false
	check("resumed", next(true, scheduler.DeploymentCounts{Updated: 1, Old: 2, AllAvailable: 2}, 100*time.Second),
		"DeploymentResumed: Deployment is resumed: rolling out revision 2")
	v2.Spec.Paused = true
	check("paused again", next(true, scheduler.DeploymentCounts{Updated: 1, Old: 2, AllAvailable: 2}, 101*time.Second),
		"DeploymentPaused: Deployment is paused")
	v3 := webDeployment("web:3", 2, deadline(60), pausedSpec)
	n := nextRollout(rec, v3, nil, scheduler.DeploymentCounts{Old: 3, AllAvailable: 2}, t0.Add(102*time.Second))
	check("a new image while paused", reasons(rolloutEvents(v3, rec, true, n)),
		"DeploymentPaused: Revision 3 (app=web:3) waits: the Deployment is paused")
	v2.Spec.Paused = false
	check("resumed and done at once", next(true, scheduler.DeploymentCounts{Updated: 2, Available: 2, AllAvailable: 2}, 110*time.Second),
		`RolloutComplete: Deployment "web" successfully rolled out revision 2`,
		"DeploymentResumed: Deployment is resumed")
	// A pod lost and made again once the rollout is complete is no rollout either.
	check("a pod lost", next(true, scheduler.DeploymentCounts{Updated: 1, Available: 1, AllAvailable: 1}, 120*time.Second))
	check("made again", next(true, scheduler.DeploymentCounts{Updated: 2, Available: 2, AllAvailable: 2}, 130*time.Second))
	// A complete Deployment paused and resumed says so too.
	v2.Spec.Paused = true
	check("complete and paused", next(true, scheduler.DeploymentCounts{Updated: 2, Available: 2, AllAvailable: 2}, 140*time.Second),
		"DeploymentPaused: Deployment is paused")
	v2.Spec.Paused = false
	check("complete and resumed", next(true, scheduler.DeploymentCounts{Updated: 2, Available: 2, AllAvailable: 2}, 150*time.Second),
		"DeploymentResumed: Deployment is resumed")
}
