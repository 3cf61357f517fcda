package apiserver

import (
	"crypto/sha1"
	"encoding/hex"
	"iter"
	"strconv"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"

	"github.com/podman-swarm/podman-swarm/agent/schedule"
	"github.com/podman-swarm/podman-swarm/agent/store"
	"github.com/podman-swarm/podman-swarm/manifest"
)

// replicaSetAnnotationsSkipped are the Deployment's annotations its ReplicaSets do not
// copy, as Kubernetes' deployment controller skips them: those about the Deployment
// itself (what kubectl last applied, its revision and replicas, this project's rollback
// note), and the change-cause, which each ReplicaSet has of its own revision. kubectl
// rollout undo writes a ReplicaSet's annotations back into its Deployment, so that the
// change-cause goes back with the template while the others stay as they are.
var replicaSetAnnotationsSkipped = map[string]bool{
	corev1.LastAppliedConfigAnnotation:          true,
	annotationRevision:                          true,
	"deployment.kubernetes.io/revision-history": true,
	"deployment.kubernetes.io/desired-replicas": true,
	"deployment.kubernetes.io/max-replicas":     true,
	"deprecated.deployment.rollback.to":         true,
	annotationRolledBack:                        true,
	schedule.AnnotationChangeCause:              true,
}

// replicaSetViews are the ReplicaSets of the Deployment of key, one per revision its
// rollout record keeps, oldest first; none before the leader recorded one. Each is named
// as its pods are, <deployment>-<template hash>, and is controlled by the Deployment. The
// current template's (the Deployment's hash, as its status counts updated pods) wants the
// Deployment's replicas; an older one wants the pods it still has, which the leader
// replaces, as Kubernetes scales an old ReplicaSet down while it rolls out. Its status
// counts its pods, whose keys pods yields.
func replicaSetViews(st *store.State, key string, pods iter.Seq[string]) []*appsv1.ReplicaSet {
	d, ok := st.Deployments[key]
	rec, recorded := st.Rollouts[key]
	if !ok || !recorded || len(rec.Revisions) == 0 {
		return nil
	}
	current := manifest.DeploymentHash(d, manifest.ConfigObjects{ConfigMaps: st.ConfigMaps, Secrets: st.Secrets})
	counts := map[string]*appsv1.ReplicaSetStatus{}
	for pk := range pods {
		a, ok := st.Assignments[pk]
		if !ok || a.Pod.Namespace != d.Namespace || a.Pod.DeploymentOwner() != d.Name {
			continue
		}
		c := counts[a.Pod.TemplateHash]
		if c == nil {
			c = &appsv1.ReplicaSetStatus{}
			counts[a.Pod.TemplateHash] = c
		}
		c.Replicas++
		if ps, ok := st.Status[pk]; ok && ps.Describes(a) && ps.Ready {
			c.ReadyReplicas++
		}
	}
	out := make([]*appsv1.ReplicaSet, 0, len(rec.Revisions))
	for _, rev := range rec.Revisions {
		s := appsv1.ReplicaSetStatus{}
		if c := counts[rev.Hash]; c != nil {
			s = *c
		}
		s.FullyLabeledReplicas = s.Replicas
		s.AvailableReplicas = availableOf(d, rec, rev.Hash, current, s.ReadyReplicas)
		want := s.Replicas
		if rev.Hash == current {
			want = int32(manifest.Replicas(d))
		}
		out = append(out, replicaSetOf(d, rev, want, s))
	}
	return out
}

// availableOf is how many of the ready pods of the template hash count as available. A
// pod is available once ready for the Deployment's minReadySeconds, on the leader's
// clock: the leader counts the current template's available pods and those of every
// template with each plan; the older templates' share is what is left of that.
func availableOf(d *appsv1.Deployment, rec store.Rollout, hash, current string, ready int32) int32 {
	if d.Spec.MinReadySeconds <= 0 || rec.Hash != current {
		return ready
	}
	if hash == current {
		return min(ready, int32(rec.Progress.Available))
	}
	return min(ready, int32(max(rec.Progress.AllAvailable-rec.Progress.Available, 0)))
}

// replicaSetOf is the ReplicaSet of one revision of d, which wants want pods and has the
// status s.
func replicaSetOf(d *appsv1.Deployment, rev store.Revision, want int32, s appsv1.ReplicaSetStatus) *appsv1.ReplicaSet {
	template := *rev.Template.DeepCopy()
	template.Labels = withLabel(template.Labels, manifest.TemplateHashLabel, rev.Hash)
	selector := &metav1.LabelSelector{}
	if d.Spec.Selector != nil {
		selector = d.Spec.Selector.DeepCopy()
	}
	selector.MatchLabels = withLabel(selector.MatchLabels, manifest.TemplateHashLabel, rev.Hash)
	annotations := map[string]string{}
	for k, v := range d.Annotations {
		if !replicaSetAnnotationsSkipped[k] {
			annotations[k] = v
		}
	}
	annotations[annotationRevision] = strconv.FormatInt(rev.Number, 10)
	if rev.ChangeCause != "" {
		annotations[schedule.AnnotationChangeCause] = rev.ChangeCause
	}
	created := d.CreationTimestamp
	if !rev.Created.IsZero() {
		created = metav1.NewTime(rev.Created)
	}
	yes := true
	name := replicaSetName(d.Name, rev.Hash)
	// Its spec never changes but by the Deployment's: the first generation, observed.
	s.ObservedGeneration = 1
	return &appsv1.ReplicaSet{
		TypeMeta: metav1.TypeMeta{APIVersion: "apps/v1", Kind: "ReplicaSet"},
		ObjectMeta: metav1.ObjectMeta{
			Name: name, Namespace: d.Namespace, UID: replicaSetUID(d.UID, d.Namespace, d.Name, rev.Hash),
			CreationTimestamp: created, Generation: 1,
			Labels: template.Labels, Annotations: annotations,
			OwnerReferences: []metav1.OwnerReference{{APIVersion: "apps/v1", Kind: "Deployment", Name: d.Name, UID: d.UID,
				Controller: &yes, BlockOwnerDeletion: &yes}},
		},
		Spec:   appsv1.ReplicaSetSpec{Replicas: &want, MinReadySeconds: d.Spec.MinReadySeconds, Selector: selector, Template: template},
		Status: s,
	}
}

// withLabel is labels (not changed) with key set to value.
func withLabel(labels map[string]string, key, value string) map[string]string {
	out := make(map[string]string, len(labels)+1)
	for k, v := range labels {
		out[k] = v
	}
	out[key] = value
	return out
}

// replicaSetName is the name of a Deployment's ReplicaSet of the template hash: what its
// pods' names start with.
func replicaSetName(deployment, hash string) string { return deployment + "-" + hash }

// replicaSetUID is the uid of the ReplicaSet of the template hash of the Deployment
// ns/name whose uid is deployment: made of them (a name-based, version 5 UUID), so that
// every node, and every reading, gives it the same one, and a Deployment made again under
// the same name gives its ReplicaSets new ones, as it has a new uid.
func replicaSetUID(deployment types.UID, ns, name, hash string) types.UID {
	sum := sha1.Sum([]byte(string(deployment) + "/" + ns + "/" + name + "/" + hash))
	b := sum[:16]
	b[6] = b[6]&0x0f | 0x50
	b[8] = b[8]&0x3f | 0x80
	// Written out by hand rather than with Sprintf: every pod of a Deployment shown
	// carries its ReplicaSet's uid, and a node shapes thousands at once.
	var uid [36]byte
	hex.Encode(uid[0:8], b[0:4])
	hex.Encode(uid[9:13], b[4:6])
	hex.Encode(uid[14:18], b[6:8])
	hex.Encode(uid[19:23], b[8:10])
	hex.Encode(uid[24:36], b[10:16])
	uid[8], uid[13], uid[18], uid[23] = '-', '-', '-', '-'
	return types.UID(uid[:])
}

// replicaSetOwner is the reference of a Deployment's pod to the ReplicaSet of its
// template, which controls it, as in Kubernetes (kubectl describe counts a ReplicaSet's
// pods by it); false for a pod of no Deployment.
func replicaSetOwner(st *store.State, p manifest.Pod) (metav1.OwnerReference, bool) {
	owner := p.DeploymentOwner()
	if owner == "" || p.TemplateHash == "" {
		return metav1.OwnerReference{}, false
	}
	var uid types.UID
	if d, ok := st.Deployments[p.Namespace+"/"+owner]; ok {
		uid = d.UID
	}
	yes := true
	return metav1.OwnerReference{APIVersion: "apps/v1", Kind: "ReplicaSet", Name: replicaSetName(owner, p.TemplateHash),
		UID: replicaSetUID(uid, p.Namespace, owner, p.TemplateHash), Controller: &yes, BlockOwnerDeletion: &yes}, true
}

// ownedByReplicaSet adds to p, a Deployment's pod made of mp, the reference to its
// ReplicaSet, after the one to its Deployment that the project's clients read.
func ownedByReplicaSet(st *store.State, p *corev1.Pod, mp manifest.Pod) {
	if ref, ok := replicaSetOwner(st, mp); ok {
		p.OwnerReferences = append(p.OwnerReferences, ref)
	}
}
