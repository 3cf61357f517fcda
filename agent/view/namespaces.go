package view

import (
	corev1 "k8s.io/api/core/v1"

	"github.com/podman-swarm/podman-swarm/agent/store"
	"github.com/podman-swarm/podman-swarm/manifest"
)

// NamespaceShape is a Namespace as the API shows it: as stored, Active unless it is being
// deleted (Terminating), with Kubernetes' finalizer in its spec until it is gone. n nil
// is the default namespace while it has no record: it always exists.
func NamespaceShape(n *corev1.Namespace) *corev1.Namespace {
	var out *corev1.Namespace
	if n == nil {
		out = &corev1.Namespace{}
		out.Name = store.DefaultNamespace
	} else {
		out = n.DeepCopy()
	}
	out.APIVersion, out.Kind = "v1", "Namespace"
	if len(out.Spec.Finalizers) == 0 {
		out.Spec.Finalizers = []corev1.FinalizerName{manifest.NamespaceFinalizer}
	}
	out.Status.Phase = corev1.NamespaceActive
	if store.Terminating(out) {
		out.Status.Phase = corev1.NamespaceTerminating
	}
	return out
}

// reshapeNamespace makes the Namespace of name from its record; default stays without one.
func (v *View) reshapeNamespace(name string) {
	n, ok := v.rec.st.Namespaces[name]
	switch {
	case ok:
		v.put(Namespaces, name, NamespaceShape(n), "")
	case name == store.DefaultNamespace:
		v.put(Namespaces, name, NamespaceShape(nil), "")
	default:
		v.remove(Namespaces, name)
	}
}
