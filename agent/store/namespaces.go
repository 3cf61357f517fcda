package store

import (
	"strings"

	corev1 "k8s.io/api/core/v1"
)

// DefaultNamespace always exists, with or without a record, and cannot be deleted.
const DefaultNamespace = "default"

// namespaced lists, kind by kind, the keys ("namespace/name") of the namespaced records a
// namespace holds: what keeps it in use. A new namespaced kind adds its map here.
func (st *State) namespaced() [][]string {
	return [][]string{
		keysOf(st.Deployments), keysOf(st.Services), keysOf(st.Ingresses), keysOf(st.Pods),
		keysOf(st.ConfigMaps), keysOf(st.Secrets), keysOf(st.Claims),
		keysOf(st.Assignments), keysOf(st.Pending),
	}
}

// NamespacesInUse are the namespaces that hold a record of an object or of a pod.
func (st *State) NamespacesInUse() map[string]bool {
	out := map[string]bool{}
	for _, keys := range st.namespaced() {
		for _, key := range keys {
			if ns, _, ok := strings.Cut(key, "/"); ok {
				out[ns] = true
			}
		}
	}
	return out
}

// NamespaceState is whether a namespace exists and whether it is being deleted.
type NamespaceState int

// The states of a namespace.
const (
	NamespaceMissing NamespaceState = iota
	NamespaceActive
	NamespaceTerminating
)

// Namespace tells the state of namespace ns: default always exists; another exists once
// it has a record, or while objects are in it without one (a cluster made before
// Namespaces were kept, until its leader records them); it is terminating once deleted.
// inUse is NamespacesInUse, which a caller asking about many namespaces reads once.
func (st *State) Namespace(ns string, inUse map[string]bool) NamespaceState {
	if n, ok := st.Namespaces[ns]; ok {
		if Terminating(n) {
			return NamespaceTerminating
		}
		return NamespaceActive
	}
	if ns == DefaultNamespace || inUse[ns] {
		return NamespaceActive
	}
	return NamespaceMissing
}

// Terminating reports whether a Namespace is being deleted.
func Terminating(n *corev1.Namespace) bool {
	return n.DeletionTimestamp != nil || n.Status.Phase == corev1.NamespaceTerminating
}

func keysOf[V any](m map[string]V) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	return out
}
