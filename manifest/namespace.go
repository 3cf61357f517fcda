package manifest

import (
	"fmt"
	"strings"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	apivalidation "k8s.io/apimachinery/pkg/api/validation"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/apimachinery/pkg/util/validation"
	"k8s.io/apimachinery/pkg/util/validation/field"
)

// NamespaceFinalizer is the finalizer Kubernetes puts in every Namespace's spec: the
// namespace stays, Terminating, until everything in it is deleted.
const NamespaceFinalizer = corev1.FinalizerKubernetes

// standardFinalizers are the finalizer names Kubernetes takes without a domain.
var standardFinalizers = map[string]bool{
	string(corev1.FinalizerKubernetes): true,
	metav1.FinalizerOrphanDependents:   true,
	metav1.FinalizerDeleteDependents:   true,
}

func decodeNamespace(data []byte, o *Object) error {
	o.Namespace = &corev1.Namespace{}
	return decodeStrict(data, o.Namespace)
}

// validateNamespace applies the API server's rules to a Namespace: a DNS-1123 label as its
// name, and finalizers that are qualified names. A Namespace is not in a namespace: the
// API server clears a metadata.namespace it is sent, and so does Parse.
func validateNamespace(n *corev1.Namespace) field.ErrorList {
	// The shared checks would find the empty namespace of a cluster-scoped object wrong.
	meta := *n.ObjectMeta.DeepCopy()
	meta.Namespace = DefaultNamespace
	errs := validateMeta(&meta, validation.IsDNS1123Label, "DNS-1123 label")
	for i, f := range n.Spec.Finalizers {
		p := field.NewPath("spec", "finalizers").Index(i)
		errs = append(errs, apivalidation.ValidateFinalizerName(string(f), p)...)
		if !strings.Contains(string(f), "/") && !standardFinalizers[string(f)] {
			errs = append(errs, field.Invalid(p, string(f), "name is neither a standard finalizer name nor is it fully qualified"))
		}
	}
	return errs
}

// NamespaceNotFound is the API server's words for an object in a namespace that does not
// exist, with what to do about it.
func NamespaceNotFound(namespace string) string {
	return apierrors.NewNotFound(schema.GroupResource{Resource: "namespaces"}, namespace).Error() +
		fmt.Sprintf(": create it first with `swarm create namespace %s`, or put a Namespace document in the same manifest", namespace)
}

// NamespaceTerminating is the API server's words for a new object in a namespace being
// deleted: resource is the kind's resource (deployments.apps, pods, ...).
func NamespaceTerminating(resource schema.GroupResource, name, namespace string) string {
	return apierrors.NewForbidden(resource, name,
		fmt.Errorf("unable to create new content in namespace %s because it is being terminated", namespace)).Error()
}
