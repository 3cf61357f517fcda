package apiserver

import (
	"fmt"
	"slices"

	"github.com/labstack/echo/v4"
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
