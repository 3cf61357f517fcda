package scheduler

import (
	"reflect"
	"testing"

	corev1 "k8s.io/api/core/v1"

	"github.com/podman-swarm/podman-swarm/manifest"
)

func bareInput(nodes []Node, pods []*corev1.Pod, as ...Assignment) Input {
	in := input(nodes, nil, as...)
	in.Pods = pods
	return in
}

func bareOn(p *corev1.Pod, nodeName string) Assignment {
	return Assignment{Pod: manifest.BarePod(p), Node: nodeName, Status: PodStatus{Phase: corev1.PodRunning, Ready: true}}
}

func TestBarePodIsPlacedOnce(t *testing.T) {
	one, two := barePodManifest("one", 80), barePodManifest("two", 80)
	nodes := []Node{alive("a"), alive("b")}
	in := bareInput(nodes, []*corev1.Pod{one, two})
	out := Plan(in)
	got := placement(out.Create)
	if len(got) != 2 || got["default/one"] == got["default/two"] {
		t.Fatalf("created %v; want one pod on each node (they share port 80)", got)
	}
	in = markReady(apply(in, out))
	in.Nodes = append(in.Nodes, alive("c"))
	if out := Plan(in); !out.Empty() {
		t.Fatalf("plan after a node joined = creates %v, deletes %v; want nothing", keys(out.Create), removedKeys(out.Delete))
	}
}

func TestBarePodPinnedToANode(t *testing.T) {
	p := barePodManifest("pinned")
	p.Spec.NodeName = "b"
	out := Plan(bareInput([]Node{alive("a"), alive("b"), alive("c")}, []*corev1.Pod{p}))
	if got := placement(out.Create); !reflect.DeepEqual(got, map[string]string{"default/pinned": "b"}) {
		t.Fatalf("created %v; want the pod on b", got)
	}
}

func TestBarePods(t *testing.T) {
	web := barePodManifest("web", 80)
	changed := barePodManifest("web", 80)
	changed.Spec.Containers[0].Image = "example.org/web:2"
	movedPort := barePodManifest("web", 443)
	holder := barePodManifest("holder", 443)
	tests := []struct {
		name    string
		nodes   []Node
		pods    []*corev1.Pod
		as      []Assignment
		created map[string]string
		removed []Removal
		pending []string
	}{
		{
			name:    "deleted pod is removed",
			nodes:   []Node{alive("a")},
			as:      []Assignment{bareOn(web, "a")},
			removed: []Removal{{Assignment: bareOn(web, "a"), Reason: "pod deleted"}},
		},
		{
			name:    "gone node: moves under the same name",
			nodes:   []Node{alive("a"), inState("b", NodeLeft, 0)},
			pods:    []*corev1.Pod{web},
			as:      []Assignment{bareOn(web, "b")},
			created: map[string]string{"default/web": "a"},
			removed: []Removal{{Assignment: bareOn(web, "b"), Reason: "node b left"}},
		},
		{
			name:  "suspect node keeps it",
			nodes: []Node{alive("a"), inState("b", NodeSuspect, 0)},
			pods:  []*corev1.Pod{web},
			as:    []Assignment{bareOn(web, "b")},
		},
		{
			name:    "changed manifest that fits is replaced in place",
			nodes:   []Node{alive("a"), alive("b")},
			pods:    []*corev1.Pod{changed},
			as:      []Assignment{bareOn(web, "b")},
			created: map[string]string{"default/web": "b"},
		},
		{
			name:    "changed manifest that no longer fits moves",
			nodes:   []Node{alive("a"), alive("b")},
			pods:    []*corev1.Pod{movedPort, holder},
			as:      []Assignment{bareOn(web, "b"), bareOn(holder, "b")},
			created: map[string]string{"default/web": "a"},
			removed: []Removal{{Assignment: bareOn(web, "b"), Reason: "pod changed and no longer fits node b"}},
		},
		{
			name:    "changed manifest that fits nowhere is pending",
			nodes:   []Node{alive("b")},
			pods:    []*corev1.Pod{movedPort, holder},
			as:      []Assignment{bareOn(web, "b"), bareOn(holder, "b")},
			removed: []Removal{{Assignment: bareOn(web, "b"), Reason: "pod changed and no longer fits node b"}},
			pending: []string{"default/web"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			in := bareInput(tt.nodes, tt.pods, tt.as...)
			out := Plan(in)
			if got := placement(out.Create); len(got)+len(tt.created) > 0 && !reflect.DeepEqual(got, tt.created) {
				t.Errorf("created %v; want %v", got, tt.created)
			}
			for _, c := range out.Create {
				if !reflect.DeepEqual(c.Status, PodStatus{}) {
					t.Errorf("created %s with status %+v; want none yet", c.Pod.Key(), c.Status)
				}
			}
			if !reflect.DeepEqual(out.Delete, tt.removed) {
				t.Errorf("removed %+v\nwant %+v", out.Delete, tt.removed)
			}
			var pending []string
			for _, p := range out.Pending {
				pending = append(pending, p.Pod.Key())
			}
			if !reflect.DeepEqual(pending, tt.pending) {
				t.Errorf("pending %v; want %v", pending, tt.pending)
			}
			mustBeFixedPoint(t, in, out)
		})
	}
}

func TestBarePodReadBackFromTheStoreIsUnchanged(t *testing.T) {
	// The store keeps pods as JSON; a pod decoded from it may spell empty things as nil.
	p := barePodManifest("web", 80)
	stored := bareOn(p, "a")
	stored.Pod.Spec.Containers[0].Args = []string{}
	stored.Pod.Labels = map[string]string{}
	in := bareInput([]Node{alive("a")}, []*corev1.Pod{p}, stored)
	if out := Plan(in); !out.Empty() {
		t.Fatalf("plan = creates %v, deletes %v; want nothing", keys(out.Create), removedKeys(out.Delete))
	}
}
