package view

import (
	"slices"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/fields"
	"k8s.io/apimachinery/pkg/labels"
)

// Filter narrows a list or a watch to a namespace, pods to a node, and any kind to the
// objects its label and field selectors match.
type Filter struct {
	Namespace string // "" keeps every namespace
	// ByNode keeps the pods placed on Node only ("": those not placed yet). The view
	// indexes pods by node, so this is the cheap form of spec.nodeName=NODE.
	ByNode bool
	Node   string
	// Labels keeps the objects whose labels it matches; nil keeps them all.
	Labels labels.Selector
	// Fields keeps the objects whose fields (see FieldLabels) it matches; nil keeps
	// them all.
	Fields fields.Selector
}

func (f Filter) keeps(o *Object) bool {
	switch {
	case f.Namespace != "" && o.Namespace != f.Namespace:
		return false
	case f.ByNode && o.Node != f.Node:
		return false
	case f.Labels != nil && !f.Labels.Empty() && !f.Labels.Matches(labels.Set(o.Value.GetLabels())):
		return false
	case f.Fields != nil && !f.Fields.Empty() && !f.Fields.Matches(fieldSet(o)):
		return false
	}
	return true
}

// commonFields are the fields every kind is selected by, as in Kubernetes.
var commonFields = []string{"metadata.name", "metadata.namespace"}

// kindFields are the other fields a kind is selected by: those of Kubernetes' field
// selectors that the view's objects carry.
var kindFields = map[Kind][]string{
	Pods:       {"spec.nodeName", "spec.restartPolicy", "status.phase", "status.podIP"},
	Namespaces: {"status.phase"},
	Secrets:    {"type"},
}

// FieldLabels are the fields a fieldSelector may name for kind.
func FieldLabels(kind Kind) []string {
	return append(slices.Clone(commonFields), kindFields[kind]...)
}

// fieldSet is an object's fields that selectors match, by FieldLabels' names.
func fieldSet(o *Object) fields.Set {
	s := fields.Set{"metadata.name": o.Value.GetName(), "metadata.namespace": o.Value.GetNamespace()}
	switch v := o.Value.(type) {
	case *corev1.Pod:
		s["spec.nodeName"] = v.Spec.NodeName
		s["spec.restartPolicy"] = string(v.Spec.RestartPolicy)
		s["status.phase"] = string(v.Status.Phase)
		s["status.podIP"] = v.Status.PodIP
	case *corev1.Namespace:
		s["status.phase"] = string(v.Status.Phase)
	case *corev1.Secret:
		s["type"] = string(v.Type)
	}
	return s
}
