package view

import (
	appsv1 "k8s.io/api/apps/v1"
)

// DaemonSetShape is a DaemonSet as the API shows it: as applied, with the status the
// leader counted with its last plan (zero until it planned with the DaemonSet). Only the
// leader knows which nodes should run its pod, as it planned with the membership.
func DaemonSetShape(ds *appsv1.DaemonSet, status appsv1.DaemonSetStatus) *appsv1.DaemonSet {
	out := ds.DeepCopy()
	out.APIVersion, out.Kind = "apps/v1", "DaemonSet"
	out.Status = status
	return out
}

// reshapeDaemonSet makes the DaemonSet of key from its record and its status.
func (v *View) reshapeDaemonSet(key string) {
	ds, ok := v.rec.st.DaemonSets[key]
	if !ok {
		v.remove(DaemonSets, key)
		return
	}
	v.put(DaemonSets, key, DaemonSetShape(ds, v.rec.st.DaemonSetStatus[key]), "")
}
