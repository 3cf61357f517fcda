package schedule

import (
	"fmt"
	"strings"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"

	"github.com/podman-swarm/podman-swarm/agent/store"
	"github.com/podman-swarm/podman-swarm/manifest"
)

// rolloutEvent is one step of a Deployment's rollout, for its Events.
type rolloutEvent struct {
	namespace, name string
	warning         bool
	reason, message string
}

// rolloutEvents are the steps a Deployment's rollout took between its stored record prev
// (had: there was one) and rec, the record the leader writes now: a new revision rolled
// out (or waiting, paused), the pods counted anew while it rolls out, the rollout
// complete or stopped by its deadline, the Deployment paused or resumed. A Deployment's
// first template, and a scale once a rollout is complete, are no rollout: their pods'
// counts make no events. The reasons of pause, resume and the deadline are those of
// Kubernetes' Progressing condition. It is pure: the caller records them once the write
// is stored. An automatic rollback has its own event (DeploymentRollback), not these.
func rolloutEvents(d *appsv1.Deployment, prev store.Rollout, had bool, rec store.Rollout) []rolloutEvent {
	if !had {
		return nil
	}
	var out []rolloutEvent
	add := func(warning bool, reason, format string, args ...any) {
		out = append(out, rolloutEvent{namespace: d.Namespace, name: d.Name, warning: warning, reason: reason, message: fmt.Sprintf(format, args...)})
	}
	revision := rec.CurrentRevision()
	replicas := max(manifest.Replicas(d), 0)
	newTemplate := prev.Hash != rec.Hash
	// A template after the first whose rollout has not completed yet.
	underway := revision > 1 && prev.CompletedHash != rec.Hash
	if !prev.Paused && rec.Paused {
		add(false, "DeploymentPaused", "Deployment is paused")
	}
	switch {
	case newTemplate && rec.State == store.RolloutPaused:
		add(false, "DeploymentPaused", "Revision %d (%s) waits: the Deployment is paused", revision, images(&d.Spec.Template.Spec))
	case newTemplate && rec.RolledBack == nil:
		add(false, "RolloutStarted", "Rolling out revision %d (%s)", revision, images(&d.Spec.Template.Spec))
	case underway && !newTemplate && rec.Progress != prev.Progress && rec.State != store.RolloutComplete && rec.State != store.RolloutPaused:
		add(false, "RolloutStep", "Revision %d: %d of %d new replicas updated, %d available, %d old left",
			revision, rec.Progress.Updated, replicas, rec.Progress.Available, rec.Progress.Old)
	}
	if rec.State != prev.State || newTemplate {
		switch rec.State {
		case store.RolloutComplete:
			if underway && prev.State != store.RolloutComplete {
				add(false, "RolloutComplete", "Deployment %q successfully rolled out revision %d", d.Name, revision)
			}
		case store.RolloutTimedOut:
			add(true, string(store.RolloutTimedOut), "Revision %d made no progress for %s: %d of %d new replicas available",
				revision, progressDeadline(d), rec.Progress.Available, replicas)
		}
	}
	if prev.Paused && !rec.Paused {
		if rec.State == store.RolloutComplete {
			add(false, "DeploymentResumed", "Deployment is resumed")
		} else {
			add(false, "DeploymentResumed", "Deployment is resumed: rolling out revision %d", revision)
		}
	}
	return out
}

// images names the image of every container of spec, as name=image.
func images(spec *corev1.PodSpec) string {
	var parts []string
	for _, c := range spec.Containers {
		parts = append(parts, c.Name+"="+c.Image)
	}
	return strings.Join(parts, ", ")
}

// reportRolloutEvents logs the rollouts' steps and records them as the Deployments' events.
func (a *Loop) reportRolloutEvents(evs []rolloutEvent) {
	for _, e := range evs {
		a.log.Info("deployment rollout", "deployment", e.namespace+"/"+e.name, "reason", e.reason, "message", e.message)
		if a.recorder == nil {
			continue
		}
		kind := corev1.EventTypeNormal
		if e.warning {
			kind = corev1.EventTypeWarning
		}
		a.recorder.Event(corev1.ObjectReference{Kind: "Deployment", APIVersion: "apps/v1", Namespace: e.namespace, Name: e.name},
			kind, e.reason, e.message)
	}
}
