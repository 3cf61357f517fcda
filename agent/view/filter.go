package view

import (
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
	case f.Labels != nil && !f.Labels.Empty() && !f.Labels.Matches(labels.Set(o.labels)):
		return false
	case f.Fields != nil && !f.Fields.Empty() && !f.Fields.Matches(objectFields{names: selectable(o.Kind), values: o.fields}):
		return false
	}
	return true
}

// field is a field selectors match, and how to read it of an object.
type field struct {
	name string
	of   func(Value) string
}

// commonFields are the fields every kind is selected by, as in Kubernetes.
var commonFields = []field{
	{"metadata.name", Value.GetName},
	{"metadata.namespace", Value.GetNamespace},
}

// kindFields are the other fields a kind is selected by: those of Kubernetes' field
// selectors that the view's objects carry.
var kindFields = map[Kind][]field{
	Pods: {
		{"spec.nodeName", fieldOf(func(p *corev1.Pod) string { return p.Spec.NodeName })},
		{"spec.restartPolicy", fieldOf(func(p *corev1.Pod) string { return string(p.Spec.RestartPolicy) })},
		{"status.phase", fieldOf(func(p *corev1.Pod) string { return string(p.Status.Phase) })},
		{"status.podIP", fieldOf(func(p *corev1.Pod) string { return p.Status.PodIP })},
	},
	Namespaces: {
		{"status.phase", fieldOf(func(n *corev1.Namespace) string { return string(n.Status.Phase) })},
	},
	Secrets: {
		{"type", fieldOf(func(s *corev1.Secret) string { return string(s.Type) })},
	},
}

// fieldOf reads a field of objects of type T; "" of any other.
func fieldOf[T Value](get func(T) string) func(Value) string {
	return func(v Value) string {
		if t, ok := v.(T); ok {
			return get(t)
		}
		return ""
	}
}

// selectableFields are every kind's fields, the common ones first, made once: a filter
// reads them per object.
var selectableFields = func() map[Kind][]field {
	m := map[Kind][]field{}
	for _, k := range kinds {
		m[k] = append(append([]field(nil), commonFields...), kindFields[k]...)
	}
	return m
}()

func selectable(kind Kind) []field {
	if fs, ok := selectableFields[kind]; ok {
		return fs
	}
	return commonFields
}

// FieldLabels are the fields a fieldSelector may name for kind.
func FieldLabels(kind Kind) []string {
	fs := selectable(kind)
	names := make([]string, len(fs))
	for i, f := range fs {
		names[i] = f.name
	}
	return names
}

// fieldValues are the values of kind's selectable fields of obj, in FieldLabels' order.
func fieldValues(kind Kind, obj Value) []string {
	fs := selectable(kind)
	values := make([]string, len(fs))
	for i, f := range fs {
		values[i] = f.of(obj)
	}
	return values
}

// objectFields are an object's selectable fields as a field selector reads them: a
// fields.Set without the map to make per object.
type objectFields struct {
	names  []field
	values []string
}

// Has reports whether the object has the field: every object of a kind has its kind's.
func (f objectFields) Has(name string) bool {
	_, ok := f.index(name)
	return ok
}

// Get is the field's value; "" for a field the kind is not selected by.
func (f objectFields) Get(name string) string {
	if i, ok := f.index(name); ok && i < len(f.values) {
		return f.values[i]
	}
	return ""
}

func (f objectFields) index(name string) (int, bool) {
	for i, fl := range f.names {
		if fl.name == name {
			return i, true
		}
	}
	return 0, false
}
