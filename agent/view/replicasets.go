package view

import (
	"maps"
	"slices"

	"k8s.io/apimachinery/pkg/types"
)

// reshapeReplicaSets makes the ReplicaSets of the Deployment of key again from the
// records (none once it is gone), and removes those it no longer has: a revision the
// history dropped.
func (v *View) reshapeReplicaSets(key string) {
	if v.shapes.ReplicaSets == nil {
		return
	}
	var keep []string
	if _, ok := v.rec.st.Deployments[key]; ok {
		for _, rs := range v.shapes.ReplicaSets(&v.rec.st, key, maps.Keys(v.rec.owned[key])) {
			k := rs.Namespace + "/" + rs.Name
			keep = append(keep, k)
			v.put(ReplicaSets, k, rs, "")
		}
	}
	for _, k := range v.replicaSets[key] {
		if !slices.Contains(keep, k) {
			v.remove(ReplicaSets, k)
		}
	}
	if len(keep) == 0 {
		delete(v.replicaSets, key)
		return
	}
	v.replicaSets[key] = keep
}

// deploymentUID is the uid of the Deployment of key; "" when there is none.
func (r *records) deploymentUID(key string) types.UID {
	if d, ok := r.st.Deployments[key]; ok {
		return d.UID
	}
	return ""
}

// markPodsOf marks the pods of the Deployment of key, placed or pending: each names its
// ReplicaSet by the Deployment's uid, which changed (the Deployment was made again under
// its name, or came after its pods).
func (r *records) markPodsOf(d dirty, key string) {
	for pod := range r.owned[key] {
		d.mark(Pods, pod)
	}
	for pod, pd := range r.st.Pending {
		if owner := pd.Pod.DeploymentOwner(); owner != "" && pd.Pod.Namespace+"/"+owner == key {
			d.mark(Pods, pod)
		}
	}
}
