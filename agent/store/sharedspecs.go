package store

import (
	"encoding/json"
	"fmt"

	corev1 "k8s.io/api/core/v1"

	"github.com/podman-swarm/podman-swarm/manifest"
)

// SharedSpecs decodes assignments so that those whose pods have the same spec, byte for
// byte (the replicas of one Deployment template), share one decoded spec, and those with
// the same labels, annotations or config versions share one map of them. Decoding a pod
// spec is most of what taking in an assignment costs, and a node takes in every pod of
// the cluster, and keeps them: thousands at once when a large Deployment is placed. The
// assignments it returns are to be read only: their specs' slices and maps, and their
// labels, annotations and config versions, are shared, and a change to one pod's would be
// every such pod's. A SharedSpecs is not safe for concurrent use.
type SharedSpecs struct {
	specs map[string]corev1.PodSpec // by the spec's encoding
	// maps are the labels, annotations and config versions decoded, by their encoding:
	// the replicas of a template have the same, and one map each cost a fifth of what a
	// node keeps per pod besides the pod's own encoding.
	maps map[string]map[string]string
}

// maxSharedSpecs bounds the specs kept: the templates in use at once are few, and the
// assignments hold on to theirs whatever is forgotten here.
const maxSharedSpecs = 1024

// assignmentWire is an Assignment as it is stored, with its pod's spec and maps left
// encoded. Its fields are Assignment's and manifest.Pod's, with the same names and tags
// (a test checks).
type assignmentWire struct {
	Pod   podWire `json:"pod"`
	Node  string  `json:"node"`
	PodIP string  `json:"podIP,omitempty"`
}

type podWire struct {
	Namespace    string          `json:"namespace"`
	Name         string          `json:"name"`
	Labels       json.RawMessage `json:"labels,omitempty"`
	Annotations  json.RawMessage `json:"annotations,omitempty"`
	Owner        string          `json:"owner,omitempty"`
	OwnerKind    string          `json:"ownerKind,omitempty"`
	TemplateHash string          `json:"templateHash,omitempty"`
	Spec         json.RawMessage `json:"spec"`
	// ConfigVersions is manifest.Pod's.
	ConfigVersions json.RawMessage `json:"configVersions,omitempty"`
}

// Decode decodes an assignment as json.Unmarshal would, sharing its pod's spec with the
// assignments decoded before it that have the same one.
func (s *SharedSpecs) Decode(value []byte) (Assignment, error) {
	var w assignmentWire
	if !scanAssignment(value, &w) {
		w = assignmentWire{}
		if err := json.Unmarshal(value, &w); err != nil {
			return Assignment{}, err
		}
	}
	spec, err := s.spec(w.Pod.Spec)
	if err != nil {
		return Assignment{}, fmt.Errorf("pod spec: %w", err)
	}
	p := w.Pod
	labels, err := s.stringMap(p.Labels)
	if err != nil {
		return Assignment{}, fmt.Errorf("pod labels: %w", err)
	}
	annotations, err := s.stringMap(p.Annotations)
	if err != nil {
		return Assignment{}, fmt.Errorf("pod annotations: %w", err)
	}
	versions, err := s.stringMap(p.ConfigVersions)
	if err != nil {
		return Assignment{}, fmt.Errorf("pod config versions: %w", err)
	}
	return Assignment{
		Pod: manifest.Pod{Namespace: p.Namespace, Name: p.Name, Labels: labels, Annotations: annotations,
			Owner: p.Owner, OwnerKind: p.OwnerKind, TemplateHash: p.TemplateHash, Spec: spec, ConfigVersions: versions},
		Node:  w.Node,
		PodIP: w.PodIP,
	}, nil
}

func (s *SharedSpecs) spec(raw json.RawMessage) (corev1.PodSpec, error) {
	var spec corev1.PodSpec
	if raw == nil {
		return spec, nil
	}
	if known, ok := s.specs[string(raw)]; ok {
		return known, nil
	}
	if err := json.Unmarshal(raw, &spec); err != nil {
		return spec, err
	}
	if s.specs == nil || len(s.specs) >= maxSharedSpecs {
		s.specs = make(map[string]corev1.PodSpec)
	}
	s.specs[string(raw)] = spec
	return spec, nil
}

// stringMap decodes a map of strings, sharing it with the maps decoded before of the same
// encoding. No encoding (the field is absent) is a nil map, as null is.
func (s *SharedSpecs) stringMap(raw json.RawMessage) (map[string]string, error) {
	if raw == nil {
		return nil, nil
	}
	if known, ok := s.maps[string(raw)]; ok {
		return known, nil
	}
	var m map[string]string
	if err := json.Unmarshal(raw, &m); err != nil {
		return nil, err
	}
	if s.maps == nil || len(s.maps) >= maxSharedSpecs {
		s.maps = make(map[string]map[string]string)
	}
	s.maps[string(raw)] = m
	return m, nil
}
