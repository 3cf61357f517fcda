package store

import (
	"testing"

	"github.com/podman-swarm/podman-swarm/manifest"
)

// A status record describes an assignment only when it comes from the node the pod is
// assigned to and is about the pod's template; records written before the hash was kept
// (and those of bare Pods, which have none) count as they did.
func TestPodStatusDescribes(t *testing.T) {
	a := Assignment{Node: "n1", Pod: manifest.Pod{Namespace: "default", Name: "kv-0", TemplateHash: "new"}}
	for _, c := range []struct {
		s    PodStatus
		want bool
	}{
		{PodStatus{Node: "n1", TemplateHash: "new"}, true},
		{PodStatus{Node: "n1"}, true},
		{PodStatus{Node: "n1", TemplateHash: "old"}, false},
		{PodStatus{Node: "n2", TemplateHash: "new"}, false},
	} {
		if got := c.s.Describes(a); got != c.want {
			t.Errorf("%+v describes %+v: %v, want %v", c.s, a, got, c.want)
		}
	}
}
