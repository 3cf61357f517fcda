package store

import (
	"maps"
	"slices"
)

// PrefixNodeSpec holds what users set on a member at runtime: NodeSpec (JSON), by the
// member's name, written by the API (swarm cordon, drain, label node, annotate node).
const PrefixNodeSpec = "nodespec/"

// NodeSpecKey is the key of a member's spec, by the member's name.
func NodeSpecKey(name string) string { return PrefixNodeSpec + name }

// NodeSpec is what users set on a member at runtime, kept apart from what the member
// gossips about itself so that it survives the agent's restarts and outranks its flags.
type NodeSpec struct {
	// Unschedulable: the scheduler places no new pod there (swarm cordon); the pods
	// there keep running, and DaemonSets still run theirs, as in Kubernetes.
	Unschedulable bool `json:"unschedulable,omitempty"`
	// Drain: the pods there that can run elsewhere move away (swarm drain), each
	// Deployment's replacement available elsewhere before the pod stops; pods of
	// DaemonSets and pods whose data is on the node stay. It implies Unschedulable.
	Drain bool `json:"drain,omitempty"`
	// DrainLocalData lets the drain move the pods whose data is on the node too (swarm
	// drain --delete-local-data): they start elsewhere without it. A pod whose claim's
	// volume is on the node still stays: no other node can mount it.
	DrainLocalData bool `json:"drainLocalData,omitempty"`
	// Labels are set over the labels the agent gossips (its --label flags); RemovedLabels
	// are taken off them.
	Labels        map[string]string `json:"labels,omitempty"`
	RemovedLabels []string          `json:"removedLabels,omitempty"`
	// Annotations are the node's annotations set by users.
	Annotations map[string]string `json:"annotations,omitempty"`
}

// Cordoned reports whether the node takes no new pod.
func (s NodeSpec) Cordoned() bool { return s.Unschedulable || s.Drain }

// EffectiveLabels are the node's labels: those it gossips, with the spec's changes.
func (s NodeSpec) EffectiveLabels(gossiped map[string]string) map[string]string {
	out := maps.Clone(gossiped)
	if out == nil {
		out = map[string]string{}
	}
	for _, k := range s.RemovedLabels {
		delete(out, k)
	}
	maps.Copy(out, s.Labels)
	return out
}

// SetLabel sets key to value (remove: takes key off the node's labels, whether the spec
// or the agent's flags set it).
func (s *NodeSpec) SetLabel(key, value string, remove bool) {
	if remove {
		delete(s.Labels, key)
		if !slices.Contains(s.RemovedLabels, key) {
			s.RemovedLabels = append(s.RemovedLabels, key)
			slices.Sort(s.RemovedLabels)
		}
		return
	}
	s.RemovedLabels = slices.DeleteFunc(s.RemovedLabels, func(k string) bool { return k == key })
	if s.Labels == nil {
		s.Labels = map[string]string{}
	}
	s.Labels[key] = value
}

// Empty reports whether the spec says nothing, so that its record may go.
func (s NodeSpec) Empty() bool {
	return !s.Unschedulable && !s.Drain && !s.DrainLocalData && len(s.Labels) == 0 && len(s.RemovedLabels) == 0 && len(s.Annotations) == 0
}
