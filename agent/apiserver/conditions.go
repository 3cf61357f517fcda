package apiserver

import (
	"fmt"
	"strconv"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/podman-swarm/podman-swarm/agent/store"
	"github.com/podman-swarm/podman-swarm/scheduler"
)

// The annotations a Deployment's view carries about its rollout.
const (
	// annotationRevision is Kubernetes' own: the current template's revision number.
	annotationRevision = "deployment.kubernetes.io/revision"
	// annotationRolledBack says that the leader rolled the current template back after a
	// failed rollout: the DeploymentRollback event's message.
	annotationRolledBack = "swarm.podman.io/rolled-back"
)

// reasonRollback is the Progressing reason while a Deployment goes back to the revision
// an automatic rollback put back; the event of the rollback has it too.
const reasonRollback = "DeploymentRollback"

// rolloutView adds to d (a copy) what the leader's rollout record says of its current
// template (hash): the revision annotation, and the Available and Progressing conditions
// in Kubernetes' words, in Kubernetes' order, after those d has. The record of an older template (the
// leader has not planned the new one yet) says nothing about this one.
func rolloutView(d *appsv1.Deployment, hash string, rec store.Rollout, ok bool) {
	// Only the record says these: a copy a user applied back (a scale reads the view and
	// applies it) says nothing.
	delete(d.Annotations, annotationRevision)
	delete(d.Annotations, annotationRolledBack)
	if !ok || rec.Hash != hash {
		d.Status.Conditions = append(d.Status.Conditions, availableCondition(d, metav1.Time{}))
		return
	}
	if d.Annotations == nil {
		d.Annotations = map[string]string{}
	}
	if n := rec.CurrentRevision(); n > 0 {
		d.Annotations[annotationRevision] = strconv.FormatInt(n, 10)
	}
	if rec.RolledBack != nil {
		d.Annotations[annotationRolledBack] = rollbackMessage(d.Name, rec.RolledBack.ToRevision)
	}
	at := metav1.NewTime(rec.LastProgress)
	d.Status.Conditions = append(d.Status.Conditions, availableCondition(d, at), progressingCondition(d, hash, rec))
}

// availableCondition is Available as Kubernetes computes it: at least replicas minus
// maxUnavailable pods available.
func availableCondition(d *appsv1.Deployment, at metav1.Time) appsv1.DeploymentCondition {
	c := appsv1.DeploymentCondition{Type: appsv1.DeploymentAvailable, LastUpdateTime: at, LastTransitionTime: at}
	want := int32(0)
	if d.Spec.Replicas != nil {
		want = *d.Spec.Replicas
	}
	if d.Status.AvailableReplicas >= want-int32(scheduler.MaxUnavailable(d)) {
		c.Status, c.Reason, c.Message = corev1.ConditionTrue, "MinimumReplicasAvailable", "Deployment has minimum availability."
	} else {
		c.Status, c.Reason, c.Message = corev1.ConditionFalse, "MinimumReplicasUnavailable", "Deployment does not have minimum availability."
	}
	return c
}

// progressingCondition is Progressing from the rollout's state, with the messages of
// Kubernetes' deployment controller; the replica set it names is the Deployment's name
// and the template's hash, which start the names of the template's pods.
func progressingCondition(d *appsv1.Deployment, hash string, rec store.Rollout) appsv1.DeploymentCondition {
	rs := d.Name + "-" + hash
	at := metav1.NewTime(rec.LastProgress)
	c := appsv1.DeploymentCondition{Type: appsv1.DeploymentProgressing, Status: corev1.ConditionTrue,
		Reason: string(rec.State), LastUpdateTime: at, LastTransitionTime: at}
	switch rec.State {
	case store.RolloutNew:
		c.Message = fmt.Sprintf("Created new replica set %q", rs)
	case store.RolloutComplete:
		c.Message = fmt.Sprintf("ReplicaSet %q has successfully progressed.", rs)
	case store.RolloutTimedOut:
		c.Status, c.Message = corev1.ConditionFalse, fmt.Sprintf("ReplicaSet %q has timed out progressing.", rs)
	case store.RolloutPaused:
		c.Status, c.Message = corev1.ConditionUnknown, "Deployment is paused"
	default:
		c.Reason, c.Message = string(store.RolloutUpdated), fmt.Sprintf("ReplicaSet %q is progressing.", rs)
	}
	if rec.RolledBack != nil && rec.State != store.RolloutComplete && rec.State != store.RolloutTimedOut {
		c.Reason, c.Message = reasonRollback, rollbackMessage(d.Name, rec.RolledBack.ToRevision)
	}
	return c
}

// rollbackMessage is the DeploymentRollback message, in Kubernetes' words.
func rollbackMessage(name string, toRevision int64) string {
	return fmt.Sprintf("Rolled back deployment %q to revision %d", name, toRevision)
}
