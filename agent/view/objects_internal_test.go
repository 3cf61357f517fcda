package view

import (
	"encoding/json"
	"testing"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// An encoding without its resourceVersion, which the view never makes, is restamped by
// decoding and encoding it again; one that does not decode is an error, as is a kind
// the view keeps typed but whose value is missing.
func TestRestampedWithoutAVersion(t *testing.T) {
	p := &corev1.Pod{TypeMeta: metav1.TypeMeta{APIVersion: "v1", Kind: "Pod"}, ObjectMeta: metav1.ObjectMeta{Namespace: "default", Name: "web"}}
	data, err := json.Marshal(p)
	if err != nil {
		t.Fatal(err)
	}
	got, err := restamped(&Object{Kind: Pods, Key: "default/web", Version: 7, JSON: data}, 9)
	p.ResourceVersion = "9"
	want, _ := json.Marshal(p)
	if err != nil || string(got) != string(want) {
		t.Errorf("restamped %s (%v), want %s", got, err, want)
	}
	if _, err := restamped(&Object{Kind: Pods, Key: "default/web", Version: 7, JSON: []byte("{")}, 9); err == nil {
		t.Error("a pod that does not decode was restamped")
	}
	if _, err := (&Object{Kind: Services, Key: "default/web", JSON: data}).Value(); err == nil {
		t.Error("a Service without its value decoded")
	}
}

// An object's fields answer a field selector as a fields.Set of them would: its kind's
// fields are there, empty or not; no other is.
func TestObjectFields(t *testing.T) {
	p := &corev1.Pod{ObjectMeta: metav1.ObjectMeta{Namespace: "default", Name: "web"}, Status: corev1.PodStatus{Phase: corev1.PodRunning}}
	f := objectFields{names: selectable(Pods), values: fieldValues(Pods, p)}
	for name, want := range map[string]string{"metadata.name": "web", "metadata.namespace": "default", "status.phase": "Running",
		"spec.nodeName": "", "status.podIP": "", "spec.restartPolicy": ""} {
		if !f.Has(name) || f.Get(name) != want {
			t.Errorf("%s: has %v, %q, want %q", name, f.Has(name), f.Get(name), want)
		}
	}
	if f.Has("type") || f.Get("type") != "" {
		t.Error("a pod has a Secret's type")
	}
	s := objectFields{names: selectable(Secrets), values: fieldValues(Secrets, &corev1.Secret{Type: corev1.SecretTypeOpaque})}
	if !s.Has("type") || s.Get("type") != "Opaque" || s.Has("status.phase") {
		t.Errorf("a Secret's fields: %v", s.values)
	}
}
