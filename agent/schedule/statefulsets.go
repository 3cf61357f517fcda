package schedule

import (
	appsv1 "k8s.io/api/apps/v1"

	"github.com/podman-swarm/podman-swarm/agent/store"
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

// statefulSetInputs are the stored StatefulSets, in key order.
func statefulSetInputs(st *store.State) []*appsv1.StatefulSet {
	out := make([]*appsv1.StatefulSet, 0, len(st.StatefulSets))
	for _, key := range sortedKeys(st.StatefulSets) {
		out = append(out, st.StatefulSets[key])
	}
	return out
}
