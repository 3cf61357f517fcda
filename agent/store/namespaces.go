package store

import (
	"strings"

	corev1 "k8s.io/api/core/v1"
)

// DefaultNamespace always exists, with or without a record, and cannot be deleted.
const DefaultNamespace = "default"

// NamespacesInUse are the namespaces that hold a record of an object or of a pod. A new
// namespaced kind adds its map here.
func (st *State) NamespacesInUse() map[string]bool {
	out := map[string]bool{}
	addNamespaces(out, st.Deployments)
	addNamespaces(out, st.StatefulSets)
	addNamespaces(out, st.DaemonSets)
	addNamespaces(out, st.Jobs)
	addNamespaces(out, st.CronJobs)
	addNamespaces(out, st.Services)
	addNamespaces(out, st.Ingresses)
	addNamespaces(out, st.Pods)
	addNamespaces(out, st.ConfigMaps)
	addNamespaces(out, st.Secrets)
	addNamespaces(out, st.Claims)
	addNamespaces(out, st.Assignments)
	addNamespaces(out, st.Pending)
	return out
}

// addNamespaces adds the namespaces of the keys ("namespace/name") of m to out.
func addNamespaces[V any](out map[string]bool, m map[string]V) {
	for key := range m {
		if ns, _, ok := strings.Cut(key, "/"); ok {
			out[ns] = true
		}
	}
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
