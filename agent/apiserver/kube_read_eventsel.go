package apiserver

import (
	"fmt"
	"net/http"
	"slices"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/fields"
	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/apimachinery/pkg/selection"
)

// kubeEventFields are the fields Kubernetes selects events by.
var kubeEventFields = []string{"metadata.name", "metadata.namespace",
	"involvedObject.kind", "involvedObject.namespace", "involvedObject.name", "involvedObject.uid",
	"involvedObject.apiVersion", "involvedObject.resourceVersion", "involvedObject.fieldPath",
	"reason", "reportingComponent", "source", "type"}

// eventSelector is a list's or a watch's selectors of events.
type eventSelector struct {
	labels labels.Selector // nil: every event
	fields []fields.Requirement
}

// parseEventSelector reads ?labelSelector= and ?fieldSelector= for events, as the API
// server does: a selector that does not parse, or a field events are not selected by, is
// a 400.
func parseEventSelector(labelSel, fieldSel string) (eventSelector, error) {
	var s eventSelector
	var err error
	if s.labels, err = labelSelector(labelSel); err != nil {
		return s, err
	}
	if fieldSel == "" {
		return s, nil
	}
	fs, err := fields.ParseSelector(fieldSel)
	if err != nil {
		return s, newStatusError(http.StatusBadRequest, metav1.StatusReasonBadRequest, fmt.Sprintf("invalid field selector %q: %v", fieldSel, err))
	}
	for _, r := range fs.Requirements() {
		if !slices.Contains(kubeEventFields, r.Field) {
			return s, newStatusError(http.StatusBadRequest, metav1.StatusReasonBadRequest, "field label not supported: "+r.Field)
		}
		s.fields = append(s.fields, r)
	}
	return s, nil
}

// matches tells whether s keeps ev. The project records an event's object by kind,
// namespace and name, mostly without its uid: an event with no uid is taken for one of
// whichever object has that name, so that kubectl describe, which asks for the events of
// the object's uid, finds them.
func (s eventSelector) matches(ev *corev1.Event) bool {
	if s.labels != nil && !s.labels.Matches(labels.Set(ev.Labels)) {
		return false
	}
	o := ev.InvolvedObject
	values := map[string]string{
		"metadata.name": ev.Name, "metadata.namespace": ev.Namespace,
		"involvedObject.kind": o.Kind, "involvedObject.namespace": o.Namespace, "involvedObject.name": o.Name,
		"involvedObject.uid": string(o.UID), "involvedObject.apiVersion": o.APIVersion,
		"involvedObject.resourceVersion": o.ResourceVersion, "involvedObject.fieldPath": o.FieldPath,
		"reason": ev.Reason, "reportingComponent": ev.ReportingController, "source": ev.Source.Component, "type": ev.Type,
	}
	for _, r := range s.fields {
		if r.Field == "involvedObject.uid" && o.UID == "" {
			continue
		}
		equal := values[r.Field] == r.Value
		if (r.Operator == selection.NotEquals) == equal {
			return false
		}
	}
	return true
}
