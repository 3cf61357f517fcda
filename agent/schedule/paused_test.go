package schedule

import (
	"testing"
	"time"

	appsv1 "k8s.io/api/apps/v1"

	"github.com/podman-swarm/podman-swarm/agent/store"
	"github.com/podman-swarm/podman-swarm/scheduler"
)

func pausedSpec(d *appsv1.Deployment) { d.Spec.Paused = true }

// A paused Deployment's rollout never times out, so it is never rolled back; resumed, its
// deadline counts from the resume, not from before the pause.
func TestPausedRolloutHasNoDeadline(t *testing.T) {
	v1 := webDeployment("web:1", 2, deadline(60))
	rec := nextRollout(store.Rollout{}, v1, nil, scheduler.DeploymentCounts{Updated: 2, Available: 2}, t0)
	v2 := webDeployment("web:2", 2, deadline(60), pausedSpec)
	stuck := scheduler.DeploymentCounts{Old: 2}
	rec = nextRollout(rec, v2, nil, stuck, t0.Add(time.Second))
	if rec.State != store.RolloutPaused {
		t.Fatalf("template changed while paused: state %q, want %q", rec.State, store.RolloutPaused)
	}
	later := t0.Add(time.Hour)
	rec = nextRollout(rec, v2, nil, stuck, later)
	if rec.State != store.RolloutPaused {
		t.Fatalf("paused for an hour: state %q, want %q", rec.State, store.RolloutPaused)
	}
	if _, ok := rollbackTarget(rec, v2, nil, true); ok {
		t.Fatalf("a paused rollout is rolled back")
	}
	if at := deadlineAt(rec, v2); !at.IsZero() {
		t.Errorf("a paused rollout has a deadline at %v", at)
	}
	v2.Spec.Paused = false
	rec = nextRollout(rec, v2, nil, stuck, later)
	if rec.State != store.RolloutUpdated || !rec.LastProgress.Equal(later) {
		t.Fatalf("resumed: state %q since %v, want %q since %v", rec.State, rec.LastProgress, store.RolloutUpdated, later)
	}
	rec = nextRollout(rec, v2, nil, stuck, later.Add(61*time.Second))
	if rec.State != store.RolloutTimedOut {
		t.Errorf("resumed and stuck past the deadline: state %q, want %q", rec.State, store.RolloutTimedOut)
	}
}

// Each revision keeps the change-cause annotation it was made with.
func TestRevisionKeepsChangeCause(t *testing.T) {
	d := webDeployment("web:1", 1)
	d.Annotations = map[string]string{AnnotationChangeCause: "first"}
	rec := nextRollout(store.Rollout{}, d, nil, scheduler.DeploymentCounts{}, t0)
	d2 := webDeployment("web:2", 1)
	d2.Annotations = map[string]string{AnnotationChangeCause: "second"}
	rec = nextRollout(rec, d2, nil, scheduler.DeploymentCounts{}, t0)
	if len(rec.Revisions) != 2 || rec.Revisions[0].ChangeCause != "first" || rec.Revisions[1].ChangeCause != "second" {
		t.Errorf("revisions %+v", rec.Revisions)
	}
}
