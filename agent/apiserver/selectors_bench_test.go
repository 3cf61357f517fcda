package apiserver

import (
	"io"
	"testing"

	"k8s.io/apimachinery/pkg/fields"
	"k8s.io/apimachinery/pkg/labels"

	"github.com/podman-swarm/podman-swarm/agent/view"
)

// GET /api/v1/pods?labelSelector=app=7 (50 of 5000 pods) from the view: every pod's labels
// matched, no index.
func BenchmarkListPodsByLabelFromTheView(b *testing.B) {
	n := storeWithPods(b)
	v := view.New(view.Config{Source: n, Shapes: Shapes()})
	f := view.Filter{Labels: labels.SelectorFromSet(labels.Set{"app": "7"})}
	if items, _ := v.List(view.Pods, f); len(items) != 50 {
		b.Fatalf("%d pods", len(items))
	}
	b.ReportAllocs()
	for b.Loop() {
		items, version := v.List(view.Pods, f)
		_, _ = io.Discard.Write(listBody(version, items))
	}
}

// GET /api/v1/pods?fieldSelector=status.phase=Running,metadata.namespace=ns3 (500 pods):
// the namespace's index, then each pod's fields.
func BenchmarkListPodsByFieldFromTheView(b *testing.B) {
	n := storeWithPods(b)
	v := view.New(view.Config{Source: n, Shapes: Shapes()})
	f := view.Filter{Namespace: "ns3", Fields: fields.OneTermEqualSelector("status.phase", "Running")}
	if items, _ := v.List(view.Pods, f); len(items) != 500 {
		b.Fatalf("%d pods", len(items))
	}
	b.ReportAllocs()
	for b.Loop() {
		items, version := v.List(view.Pods, f)
		_, _ = io.Discard.Write(listBody(version, items))
	}
}
