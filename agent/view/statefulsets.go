package view

import (
	"maps"
	"strings"

	"github.com/podman-swarm/podman-swarm/agent/store"
	"github.com/podman-swarm/podman-swarm/manifest"
)

// statefulSetKey is the key of the StatefulSet that owns a pod, "" for a pod of any
// other owner.
func statefulSetKey(a store.Assignment) string {
	if a.Pod.OwnerKind != manifest.KindStatefulSet {
		return ""
	}
	return a.Pod.Namespace + "/" + a.Pod.Owner
}

// markSetOf marks the StatefulSet that owns the pod of a (key pod) for its status, and
// keeps the index of its pods: own says whether the pod is now assigned, or was.
func (r *records) markSetOf(d dirty, a store.Assignment, pod string, own bool) {
	set := statefulSetKey(a)
	if set == "" {
		return
	}
	d.mark(StatefulSets, set)
	if own {
		if r.ownedBySet[set] == nil {
			r.ownedBySet[set] = map[string]struct{}{}
		}
		r.ownedBySet[set][pod] = struct{}{}
		return
	}
	delete(r.ownedBySet[set], pod)
	if len(r.ownedBySet[set]) == 0 {
		delete(r.ownedBySet, set)
	}
}

// reshapeStatefulSet makes the StatefulSet of key from its record and its pods'.
func (v *View) reshapeStatefulSet(key string) {
	s, ok := v.rec.st.StatefulSets[key]
	switch {
	case !ok:
		v.remove(StatefulSets, key)
	case v.shapes.StatefulSet == nil:
		v.put(StatefulSets, key, s.DeepCopy(), "")
	default:
		v.put(StatefulSets, key, v.shapes.StatefulSet(&v.rec.st, key, maps.Keys(v.rec.ownedBySet[key])), "")
	}
}

// markSetsOf marks the StatefulSets of the namespace of a ConfigMap or Secret: the
// versions of those their pods take as env are part of their current hash, which decides
// which of their pods count as updated.
func (r *records) markSetsOf(d dirty, objectKey string) {
	ns, _, _ := strings.Cut(objectKey, "/")
	for key := range r.st.StatefulSets {
		if strings.HasPrefix(key, ns+"/") {
			d.mark(StatefulSets, key)
		}
	}
}
