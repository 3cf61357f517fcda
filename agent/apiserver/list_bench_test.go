package apiserver

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"runtime"
	"testing"
	"time"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/podman-swarm/podman-swarm/agent/store"
	"github.com/podman-swarm/podman-swarm/agent/view"
	"github.com/podman-swarm/podman-swarm/api"
	"github.com/podman-swarm/podman-swarm/cluster"
	"github.com/podman-swarm/podman-swarm/manifest"
	"github.com/podman-swarm/podman-swarm/reconcile"
)

// benchPods is how many pods the list benchmarks list.
const benchPods = 5000

// storeWithPods is a one-node store on loopback holding 100 Deployments of 50 replicas,
// every pod placed on one of 20 nodes and running there.
func storeWithPods(b *testing.B) *cluster.Node {
	b.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	n, err := cluster.Start(ctx, cluster.Config{NodeName: "n0", BindAddr: "127.0.0.1", StateDir: b.TempDir(), Logger: slog.New(slog.DiscardHandler)})
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { _ = n.Shutdown() })
	var changes []cluster.Change
	write := func() {
		if _, err := n.Write(ctx, changes, cluster.AckLocal); err != nil {
			b.Fatal(err)
		}
		changes = changes[:0]
	}
	for d := range benchPods / 50 {
		replicas := int32(50)
		dep := &appsv1.Deployment{
			TypeMeta:   metav1.TypeMeta{APIVersion: "apps/v1", Kind: "Deployment"},
			ObjectMeta: metav1.ObjectMeta{Namespace: fmt.Sprintf("ns%d", d%10), Name: fmt.Sprintf("app%d", d)},
			Spec: appsv1.DeploymentSpec{
				Replicas: &replicas,
				Selector: &metav1.LabelSelector{MatchLabels: map[string]string{"app": fmt.Sprint(d)}},
				Template: corev1.PodTemplateSpec{
					ObjectMeta: metav1.ObjectMeta{Labels: map[string]string{"app": fmt.Sprint(d)}},
					Spec: corev1.PodSpec{Containers: []corev1.Container{{
						Name: "main", Image: "registry.example/app:1.2.3",
						Ports: []corev1.ContainerPort{{Name: "http", ContainerPort: 8080}},
						Env:   []corev1.EnvVar{{Name: "MODE", Value: "production"}},
					}}},
				},
			},
		}
		changes = append(changes, cluster.Change{Key: store.ObjectKey(store.PrefixDeployment, dep.Namespace, dep.Name), Value: store.MustJSON(dep)})
		for i, p := range manifest.DeploymentPods(dep) {
			node := fmt.Sprintf("n%d", (d*50+i)%20)
			changes = append(changes,
				cluster.Change{Key: store.AssignmentKey(p.Key()), Value: store.MustJSON(store.Assignment{Pod: p, Node: node})},
				cluster.Change{Key: store.StatusKey(p.Key()), Value: store.MustJSON(store.PodStatus{
					Node: node, Phase: corev1.PodRunning, Ready: true, HostIP: "10.0.0.1", Updated: time.Now(),
					Containers: []reconcile.ContainerStatus{{Name: "main", State: reconcile.ContainerRunning, Ready: true}},
				})})
		}
		write()
	}
	return n
}

// GET /api/v1/pods of 5000 pods, as the API answers it from the view: the objects are
// encoded already, and put together.
func BenchmarkListPodsFromTheView(b *testing.B) {
	n := storeWithPods(b)
	v := view.New(view.Config{Source: n, Shapes: Shapes()})
	items, _ := v.List(view.Pods, view.Filter{})
	if len(items) != benchPods {
		b.Fatalf("%d pods", len(items))
	}
	b.ReportAllocs()
	for b.Loop() {
		items, version := v.List(view.Pods, view.Filter{})
		_, _ = io.Discard.Write(listBody(version, items))
	}
}

// GET /api/v1/pods of 5000 pods, as the API answered it before the view: the whole store
// decoded, the pods shaped, the list encoded.
func BenchmarkListPodsDecodingTheStore(b *testing.B) {
	n := storeWithPods(b)
	log := slog.New(slog.DiscardHandler)
	if items := podViews(store.Read(n, log), "", unplaced("")); len(items) != benchPods {
		b.Fatalf("%d pods", len(items))
	}
	b.ReportAllocs()
	for b.Loop() {
		_ = json.NewEncoder(io.Discard).Encode(api.NewList(podViews(store.Read(n, log), "", unplaced(""))))
	}
}

// GET /api/v1/pods?namespace=ns3 (500 pods) from the view: the namespace's index.
func BenchmarkListPodsOfANamespaceFromTheView(b *testing.B) {
	n := storeWithPods(b)
	v := view.New(view.Config{Source: n, Shapes: Shapes()})
	b.ReportAllocs()
	for b.Loop() {
		items, version := v.List(view.Pods, view.Filter{Namespace: "ns3"})
		_, _ = io.Discard.Write(listBody(version, items))
	}
}

// BenchmarkViewOfPods is what one node's view costs to make of 5,000 placed pods with
// their status: the work every node does when that many pods are placed at once. It also
// reports the memory the view keeps live per pod (live-B/pod), measured once before the
// timed loop: a burst's cost follows the peak heap, which follows the live heap, and
// every node keeps a view.
func BenchmarkViewOfPods(b *testing.B) {
	n := storeWithPods(b)
	newView := func() *view.View { return view.New(view.Config{Source: n, Shapes: Shapes()}) }
	live := liveBytes(newView)
	b.ReportAllocs()
	for b.Loop() {
		newView()
	}
	b.ReportMetric(float64(live)/benchPods, "live-B/pod") // after the loop, which resets metrics
}

// liveBytes is how much the heap holds, after a collection, of what build returns.
func liveBytes[T any](build func() T) uint64 {
	var before, after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	kept := build()
	runtime.GC()
	runtime.ReadMemStats(&after)
	runtime.KeepAlive(kept)
	if after.HeapAlloc < before.HeapAlloc {
		return 0
	}
	return after.HeapAlloc - before.HeapAlloc
}
