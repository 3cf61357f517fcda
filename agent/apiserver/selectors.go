package apiserver

import (
	"fmt"
	"slices"

	"github.com/labstack/echo/v4"
	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/fields"
	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/apimachinery/pkg/selection"

	"github.com/podman-swarm/podman-swarm/agent/view"
)

// listFilter reads ?namespace=, ?labelSelector= and ?fieldSelector= as the API server
// does: a selector that does not parse, or a field the kind is not selected by, is a 400
// with the API server's words.
func listFilter(c echo.Context, kind view.Kind) (view.Filter, error) {
	f := view.Filter{Namespace: c.QueryParam("namespace")}
	var err error
	if f.Labels, err = labelSelector(c.QueryParam("labelSelector")); err != nil {
		return f, err
	}
	f.Fields, f.ByNode, f.Node, err = fieldSelector(kind, c.QueryParam("fieldSelector"))
	return f, err
}

// labelSelector parses ?labelSelector= with Kubernetes' grammar; "" selects everything.
func labelSelector(s string) (labels.Selector, error) {
	if s == "" {
		return nil, nil
	}
	sel, err := labels.Parse(s)
	if err != nil {
		return nil, statusError(apierrors.NewBadRequest(err.Error()))
	}
	return sel, nil
}

// fieldSelector parses ?fieldSelector= for kind. A pod's spec.nodeName=NODE becomes byNode
// and node, which the view answers from its index of pods by node; the rest stays in sel.
func fieldSelector(kind view.Kind, s string) (sel fields.Selector, byNode bool, node string, err error) {
	if s == "" {
		return nil, false, "", nil
	}
	parsed, err := fields.ParseSelector(s)
	if err != nil {
		return nil, false, "", statusError(apierrors.NewBadRequest(fmt.Sprintf("invalid field selector %q: %v", s, err)))
	}
	supported := view.FieldLabels(kind)
	var rest []fields.Selector
	for _, r := range parsed.Requirements() {
		if !slices.Contains(supported, r.Field) {
			return nil, false, "", statusError(apierrors.NewBadRequest(fmt.Sprintf(
				"field label not supported: %s", r.Field)))
		}
		equals := r.Operator == selection.Equals || r.Operator == selection.DoubleEquals
		switch {
		case kind == view.Pods && r.Field == "spec.nodeName" && equals && !byNode:
			byNode, node = true, r.Value
		case equals:
			rest = append(rest, fields.OneTermEqualSelector(r.Field, r.Value))
		default:
			rest = append(rest, fields.OneTermNotEqualSelector(r.Field, r.Value))
		}
	}
	if len(rest) == 0 {
		return nil, byNode, node, nil
	}
	return fields.AndSelectors(rest...), byNode, node, nil
}

// eventFields are the fields events are selected by, as in Kubernetes.
var eventFields = []string{"metadata.name", "metadata.namespace", "involvedObject.kind", "involvedObject.name",
	"involvedObject.namespace", "reason", "type", "source"}

// selectEvents keeps the events that ?labelSelector= and ?fieldSelector= match: events
// are read from the store, not the view, so they are filtered here.
func selectEvents(c echo.Context, evs []*corev1.Event) ([]*corev1.Event, error) {
	ls, err := labelSelector(c.QueryParam("labelSelector"))
	if err != nil {
		return nil, err
	}
	var fs fields.Selector
	if s := c.QueryParam("fieldSelector"); s != "" {
		if fs, err = fields.ParseSelector(s); err != nil {
			return nil, statusError(apierrors.NewBadRequest(fmt.Sprintf("invalid field selector %q: %v", s, err)))
		}
		for _, r := range fs.Requirements() {
			if !slices.Contains(eventFields, r.Field) {
				return nil, statusError(apierrors.NewBadRequest("field label not supported: " + r.Field))
			}
		}
	}
	return slices.DeleteFunc(evs, func(ev *corev1.Event) bool {
		if ls != nil && !ls.Matches(labels.Set(ev.Labels)) {
			return true
		}
		return fs != nil && !fs.Matches(fields.Set{
			"metadata.name": ev.Name, "metadata.namespace": ev.Namespace,
			"involvedObject.kind": ev.InvolvedObject.Kind, "involvedObject.name": ev.InvolvedObject.Name,
			"involvedObject.namespace": ev.InvolvedObject.Namespace,
			"reason":                   ev.Reason, "type": ev.Type, "source": ev.Source.Component,
		})
	}), nil
}
