package apiserver

import (
	"encoding/json"
	"fmt"

	appsv1 "k8s.io/api/apps/v1"
	batchv1 "k8s.io/api/batch/v1"
	corev1 "k8s.io/api/core/v1"
	networkingv1 "k8s.io/api/networking/v1"
	"k8s.io/apimachinery/pkg/util/strategicpatch"

	"github.com/podman-swarm/podman-swarm/manifest"
)

// LastAppliedAnnotation keeps, on every object an apply stores, the configuration that
// apply was given, as kubectl keeps it: the next apply compares with it to tell a field the
// manifest no longer sets (deleted) from one it never set (left at its live value).
const LastAppliedAnnotation = "kubectl.kubernetes.io/last-applied-configuration"

// mergeStructs are the typed kinds whose Go types carry the strategic merge keys
// (containers merge by name, ports by containerPort, ...), as kubectl merges them.
var mergeStructs = map[string]func() any{
	"Deployment":             func() any { return &appsv1.Deployment{} },
	"DaemonSet":              func() any { return &appsv1.DaemonSet{} },
	manifest.KindStatefulSet: func() any { return &appsv1.StatefulSet{} },
	"Job":                    func() any { return &batchv1.Job{} },
	"CronJob":                func() any { return &batchv1.CronJob{} },
	"Service":                func() any { return &corev1.Service{} },
	"Pod":                    func() any { return &corev1.Pod{} },
	"ConfigMap":              func() any { return &corev1.ConfigMap{} },
	"Secret":                 func() any { return &corev1.Secret{} },
	"PersistentVolumeClaim":  func() any { return &corev1.PersistentVolumeClaim{} },
	"Namespace":              func() any { return &corev1.Namespace{} },
	"Ingress":                func() any { return &networkingv1.Ingress{} },
}

// serverOwnedMeta are the metadata fields the API sets, not the user: they are no part
// of what was applied, and an apply never changes them.
var serverOwnedMeta = []string{"creationTimestamp", "uid", "resourceVersion", "generation", "managedFields", "deletionTimestamp"}

// appliedConfiguration is the configuration an apply records for an object, from its
// stored encoding: what the user wrote, without the fields the API owns and without the
// last-applied annotation itself.
func appliedConfiguration(encoded []byte) ([]byte, error) {
	var obj map[string]any
	if err := json.Unmarshal(encoded, &obj); err != nil {
		return nil, fmt.Errorf("decode the applied object: %w", err)
	}
	if meta, ok := obj["metadata"].(map[string]any); ok {
		for _, f := range serverOwnedMeta {
			delete(meta, f)
		}
		if ann, ok := meta["annotations"].(map[string]any); ok {
			delete(ann, LastAppliedAnnotation)
			if len(ann) == 0 {
				delete(meta, "annotations")
			}
		}
	}
	b, err := json.Marshal(obj) // maps marshal with sorted keys: the same input, the same bytes
	if err != nil {
		return nil, fmt.Errorf("encode the applied configuration: %w", err)
	}
	return b, nil
}

// lastApplied is the configuration recorded on a stored object; nil for one that has
// none (stored before applies recorded it, or made by other means).
func lastApplied(stored []byte) []byte {
	var v struct {
		Metadata struct {
			Annotations map[string]string `json:"annotations"`
		} `json:"metadata"`
	}
	if json.Unmarshal(stored, &v) != nil {
		return nil
	}
	if s, ok := v.Metadata.Annotations[LastAppliedAnnotation]; ok {
		return []byte(s)
	}
	return nil
}

// threeWayMerge is kubectl apply's merge, done where the object is stored: the change from
// original (the last applied configuration) to modified (this one) is applied to current
// (the stored object), so that a field modified drops is deleted, a field it sets takes its
// value, and a field neither sets (replicas after a scale, what the API added) keeps the
// live value. Lists merge by the keys the kind's Go type declares, as kubectl merges them.
// original may be nil: nothing is then deleted.
func threeWayMerge(kind string, original, modified, current []byte) ([]byte, error) {
	newStruct, ok := mergeStructs[kind]
	if !ok {
		return nil, fmt.Errorf("merge %s: the kind has no merge schema", kind)
	}
	if original == nil {
		original = []byte("{}")
	}
	schema, err := strategicpatch.NewPatchMetaFromStruct(newStruct())
	if err != nil {
		return nil, fmt.Errorf("merge %s: %w", kind, err)
	}
	patch, err := strategicpatch.CreateThreeWayMergePatch(original, modified, current, schema, true)
	if err != nil {
		return nil, fmt.Errorf("merge %s: %w", kind, err)
	}
	merged, err := strategicpatch.StrategicMergePatch(current, patch, newStruct())
	if err != nil {
		return nil, fmt.Errorf("merge %s: %w", kind, err)
	}
	return merged, nil
}
