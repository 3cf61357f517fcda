package apiserver

import (
	"encoding/json"
	"reflect"

	appsv1 "k8s.io/api/apps/v1"
	batchv1 "k8s.io/api/batch/v1"
	corev1 "k8s.io/api/core/v1"

	"github.com/podman-swarm/podman-swarm/agent/kubeapi"
	"github.com/podman-swarm/podman-swarm/agent/view"
)

// defaultedKinds make an empty object of each stored kind the API shows with defaults.
var defaultedKinds = map[string]func() view.Value{
	"Pod":                   func() view.Value { return &corev1.Pod{} },
	"Deployment":            func() view.Value { return &appsv1.Deployment{} },
	"StatefulSet":           func() view.Value { return &appsv1.StatefulSet{} },
	"DaemonSet":             func() view.Value { return &appsv1.DaemonSet{} },
	"Job":                   func() view.Value { return &batchv1.Job{} },
	"CronJob":               func() view.Value { return &batchv1.CronJob{} },
	"Service":               func() view.Value { return &corev1.Service{} },
	"PersistentVolumeClaim": func() view.Value { return &corev1.PersistentVolumeClaim{} },
}

// withoutShownDefaults is value, an object applied over old (its stored form), without the
// defaults the API showed on old (kubeapi.Defaulted) that value sends back as shown: an
// object read from the API and applied again is unchanged, and its template hash with it,
// as the stored object never held them. value as it is when old has no such defaults or
// either does not decode.
func withoutShownDefaults(kind string, value, old []byte) []byte {
	mk, ok := defaultedKinds[kind]
	if !ok {
		return value
	}
	stored := mk()
	if json.Unmarshal(old, stored) != nil {
		return value
	}
	shownJSON, err := json.Marshal(kubeapi.Defaulted(stored))
	if err != nil {
		return value
	}
	var oldDoc, shown, doc any
	if json.Unmarshal(old, &oldDoc) != nil || json.Unmarshal(shownJSON, &shown) != nil || json.Unmarshal(value, &doc) != nil {
		return value
	}
	if !dropShown(doc, shown, oldDoc) {
		return value
	}
	stripped, err := json.Marshal(doc)
	if err != nil {
		return value
	}
	out := mk()
	if json.Unmarshal(stripped, out) != nil {
		return value
	}
	// Encoded as the stored form is: the object's own type orders its fields.
	if enc, err := json.Marshal(out); err == nil {
		return enc
	}
	return value
}

// dropShown deletes from doc each field that shown has, old has not (or has zero), and doc has with
// shown's value, walking maps by key and lists by index; it reports whether it deleted any.
func dropShown(doc, shown, old any) bool {
	dropped := false
	switch s := shown.(type) {
	case map[string]any:
		d, ok := doc.(map[string]any)
		if !ok {
			return false
		}
		o, _ := old.(map[string]any)
		for k, sv := range s {
			dv, inDoc := d[k]
			if !inDoc {
				continue
			}
			ov, inOld := o[k]
			// A field of a struct type is encoded even when unset (targetPort: 0).
			if !inOld || ov == 0.0 || ov == "" {
				if reflect.DeepEqual(dv, sv) {
					delete(d, k)
					dropped = true
				}
				continue
			}
			dropped = dropShown(dv, sv, ov) || dropped
		}
	case []any:
		d, ok := doc.([]any)
		o, _ := old.([]any)
		if !ok || len(d) != len(s) || len(o) != len(s) {
			return false
		}
		for i := range s {
			dropped = dropShown(d[i], s[i], o[i]) || dropped
		}
	}
	return dropped
}
