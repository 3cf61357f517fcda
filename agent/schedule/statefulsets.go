package schedule

import (
	"fmt"
	"time"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"

	"github.com/podman-swarm/podman-swarm/agent/noderuntime"
	"github.com/podman-swarm/podman-swarm/agent/store"
	"github.com/podman-swarm/podman-swarm/manifest"
	"github.com/podman-swarm/podman-swarm/quadlet"
	"github.com/podman-swarm/podman-swarm/scheduler"
)

// statefulSetClaimChanges are the store writes of the claims a plan made for
// StatefulSets' pods (their volumeClaimTemplates), written with the assignments and the
// bindings of the pods that use them first, so that no pod is ever placed on a claim that
// the store lacks. A claim is written only when none is stored under its name: the leader
// never replaces one, whoever made it. Each carries an empty lineage: its writer had seen
// no version of it.
func statefulSetClaimChanges(st *store.State, out scheduler.Output) []change {
	var changes []change
	for _, c := range out.NewClaims {
		if _, ok := st.Claims[c.Namespace+"/"+c.Name]; ok {
			continue
		}
		v := c.DeepCopy()
		v.APIVersion, v.Kind = "v1", "PersistentVolumeClaim"
		v.ResourceVersion = store.Lineage{}.String()
		changes = append(changes, change{key: store.ObjectKey(store.PrefixClaim, c.Namespace, c.Name), value: store.MustJSON(v)})
	}
	return changes
}

// podDeletionChanges bring the requests to delete a pod up to date: a request the plan
// served (it removes the pod's assignment) is written again with the time before which the
// pod is not made again: its node's drain, its grace period and a second, by which its old
// pod has stopped; a served request past that time goes, and so does one whose pod is not
// a StatefulSet's pod assigned any more.
func podDeletionChanges(st *store.State, out scheduler.Output, now time.Time) []change {
	served := map[string]bool{}
	for _, key := range out.DeletedPods {
		served[key] = true
	}
	var changes []change
	for _, key := range sortedKeys(st.PodDeletions) {
		d := st.PodDeletions[key]
		a, assigned := st.Assignments[key]
		switch {
		case served[key]:
			d.Until = now.Add(noderuntime.DrainDelay + quadlet.GracePeriod(&a.Pod.Spec) + time.Second)
			changes = append(changes, change{key: store.PodDeletionKey(key), value: store.MustJSON(d)})
		case !d.Until.IsZero():
			if !now.Before(d.Until) {
				changes = append(changes, change{key: store.PodDeletionKey(key), delete: true})
			}
		case !assigned || a.Pod.OwnerKind != manifest.KindStatefulSet:
			changes = append(changes, change{key: store.PodDeletionKey(key), delete: true})
		}
	}
	return changes
}

// podDeletionInputs are the pods the user asked to delete that are not removed yet.
func podDeletionInputs(st *store.State) map[string]bool {
	out := make(map[string]bool, len(st.PodDeletions))
	for key, d := range st.PodDeletions {
		if d.Until.IsZero() {
			out[key] = true
		}
	}
	return out
}

// heldPodInputs are the pods removed at the user's request that may still be stopping,
// with when they may be made again.
func heldPodInputs(st *store.State) map[string]time.Time {
	out := map[string]time.Time{}
	for key, d := range st.PodDeletions {
		if !d.Until.IsZero() {
			out[key] = d.Until
		}
	}
	return out
}

// statefulSetInputs are the stored StatefulSets, in key order.
func statefulSetInputs(st *store.State) []*appsv1.StatefulSet {
	out := make([]*appsv1.StatefulSet, 0, len(st.StatefulSets))
	for _, key := range sortedKeys(st.StatefulSets) {
		out = append(out, st.StatefulSets[key])
	}
	return out
}

// reportStatefulSets records, as Kubernetes' StatefulSet controller does, an event on the
// StatefulSet for each pod a written plan creates or deletes, and for each claim it makes.
func (a *Loop) reportStatefulSets(st *store.State, out scheduler.Output) {
	if a.recorder == nil {
		return
	}
	ref := func(ns, name string) corev1.ObjectReference {
		return corev1.ObjectReference{Kind: manifest.KindStatefulSet, APIVersion: "apps/v1", Namespace: ns, Name: name}
	}
	for _, c := range out.NewClaims {
		if _, ok := st.Claims[c.Namespace+"/"+c.Name]; ok {
			continue
		}
		set, pod := claimOwner(c.Name, out)
		if set == "" {
			continue
		}
		a.recorder.Event(ref(c.Namespace, set), corev1.EventTypeNormal, "SuccessfulCreate",
			fmt.Sprintf("create Claim %s Pod %s in StatefulSet %s success", c.Name, pod, set))
	}
	for _, d := range out.Delete {
		if d.Pod.OwnerKind == manifest.KindStatefulSet {
			a.recorder.Event(ref(d.Pod.Namespace, d.Pod.Owner), corev1.EventTypeNormal, "SuccessfulDelete",
				fmt.Sprintf("delete Pod %s in StatefulSet %s successful", d.Pod.Name, d.Pod.Owner))
		}
	}
	for _, c := range out.Create {
		if c.Pod.OwnerKind == manifest.KindStatefulSet {
			a.recorder.Event(ref(c.Pod.Namespace, c.Pod.Owner), corev1.EventTypeNormal, "SuccessfulCreate",
				fmt.Sprintf("create Pod %s in StatefulSet %s successful", c.Pod.Name, c.Pod.Owner))
		}
	}
}

// claimOwner finds the StatefulSet and the pod a new claim was made for: the pod the plan
// creates or keeps that names it.
func claimOwner(claim string, out scheduler.Output) (set, pod string) {
	for _, c := range out.Create {
		if c.Pod.OwnerKind != manifest.KindStatefulSet {
			continue
		}
		for _, name := range manifest.ClaimNames(&c.Pod.Spec) {
			if name == claim {
				return c.Pod.Owner, c.Pod.Name
			}
		}
	}
	for _, p := range out.Pending {
		if p.Pod.OwnerKind != manifest.KindStatefulSet {
			continue
		}
		for _, name := range manifest.ClaimNames(&p.Pod.Spec) {
			if name == claim {
				return p.Pod.Owner, p.Pod.Name
			}
		}
	}
	return "", ""
}
