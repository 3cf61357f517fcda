package view_test

import (
	"context"
	"encoding/json"
	"log/slog"
	"os"
	"sync"
	"testing"
	"time"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/podman-swarm/podman-swarm/agent/apiserver"
	"github.com/podman-swarm/podman-swarm/agent/store"
	"github.com/podman-swarm/podman-swarm/agent/view"
	"github.com/podman-swarm/podman-swarm/api"
	"github.com/podman-swarm/podman-swarm/cluster"
	"github.com/podman-swarm/podman-swarm/manifest"
)

func testLogger() *slog.Logger {
	if os.Getenv("VIEW_TEST_LOG") == "" {
		return slog.New(slog.DiscardHandler)
	}
	return slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelDebug}))
}

// startNode runs a one-node cluster on loopback: the real store the view reads.
func startNode(t testing.TB) *cluster.Node {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	n, err := cluster.Start(ctx, cluster.Config{NodeName: "n", BindAddr: "127.0.0.1", StateDir: t.TempDir(), Logger: testLogger()})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = n.Shutdown() })
	return n
}

// newView builds a view of n with the API's shapes; edit may change its configuration.
func newView(t testing.TB, n *cluster.Node, edit func(*view.Config)) *view.View {
	cfg := view.Config{Source: n, Shapes: apiserver.Shapes(), Logger: testLogger()}
	if edit != nil {
		edit(&cfg)
	}
	return view.New(cfg)
}

// run starts v's loop until the test ends.
func run(t *testing.T, v *view.View) { runUntil(t, v) }

// runUntil starts v's loop until the test ends or stop is called; stop waits for it.
func runUntil(t *testing.T, v *view.View) (stop func()) {
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- v.Start(ctx) }()
	var once sync.Once
	stop = func() {
		once.Do(func() {
			cancel()
			if err := <-done; err != nil {
				t.Errorf("view: %v", err)
			}
		})
	}
	t.Cleanup(stop)
	return stop
}

// put stores v as JSON under key; with a view given, it is in the view on return.
func put(t testing.TB, n *cluster.Node, vw *view.View, key string, v any) {
	t.Helper()
	if _, err := n.Put(key, store.MustJSON(v)); err != nil {
		t.Fatal(err)
	}
	if vw != nil {
		vw.Refresh(key)
	}
}

func del(t testing.TB, n *cluster.Node, vw *view.View, key string) {
	t.Helper()
	if _, err := n.Delete(key); err != nil {
		t.Fatal(err)
	}
	if vw != nil {
		vw.Refresh(key)
	}
}

func deployment(ns, name string, replicas int32) *appsv1.Deployment {
	return &appsv1.Deployment{
		TypeMeta:   metav1.TypeMeta{APIVersion: "apps/v1", Kind: "Deployment"},
		ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: name},
		Spec: appsv1.DeploymentSpec{
			Replicas: &replicas,
			Selector: &metav1.LabelSelector{MatchLabels: map[string]string{"app": name}},
			Template: corev1.PodTemplateSpec{
				ObjectMeta: metav1.ObjectMeta{Labels: map[string]string{"app": name}},
				Spec:       corev1.PodSpec{Containers: []corev1.Container{{Name: "main", Image: "localhost/test:1"}}},
			},
		},
	}
}

func service(ns, name string, port int32) *corev1.Service {
	return &corev1.Service{
		TypeMeta:   metav1.TypeMeta{APIVersion: "v1", Kind: "Service"},
		ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: name},
		Spec:       corev1.ServiceSpec{Selector: map[string]string{"app": name}, Ports: []corev1.ServicePort{{Port: port}}},
	}
}

// podOf is the i-th pod of d.
func podOf(d *appsv1.Deployment, i int) manifest.Pod { return manifest.DeploymentPod(d, i) }

func assign(p manifest.Pod, node string) store.Assignment {
	return store.Assignment{Pod: p, Node: node}
}

// seen is an event as a test compares it.
type seen struct {
	Type    api.EventType
	Key     string
	Version string // the object's metadata.resourceVersion
}

func eventOf(t testing.TB, ev view.Event) seen {
	t.Helper()
	var m api.EventMeta
	if err := json.Unmarshal(ev.Object.JSON, &m); err != nil {
		t.Fatal(err)
	}
	if m.Metadata.ResourceVersion != view.FormatVersion(ev.Object.Version) {
		t.Errorf("%s %s: resourceVersion %q in the object, %d in the event", ev.Type, ev.Object.Key, m.Metadata.ResourceVersion, ev.Object.Version)
	}
	return seen{ev.Type, m.Metadata.Namespace + "/" + m.Metadata.Name, m.Metadata.ResourceVersion}
}

func eventsOf(t testing.TB, evs []view.Event) []seen {
	t.Helper()
	out := []seen{}
	for _, ev := range evs {
		out = append(out, eventOf(t, ev))
	}
	return out
}

// receive takes n events from w, failing the test after a while.
func receive(t testing.TB, w *view.Watcher, n int) []view.Event {
	t.Helper()
	var out []view.Event
	deadline := time.After(10 * time.Second)
	for len(out) < n {
		select {
		case <-w.Ready():
			out = append(out, w.Take()...)
		case <-w.Done():
			t.Fatalf("the watch ended after %d of %d events: %v", len(out), n, w.Err())
		case <-deadline:
			t.Fatalf("%d of %d events came", len(out), n)
		}
	}
	if len(out) > n {
		t.Errorf("%d events came, want %d: %+v", len(out), n, eventsOf(t, out))
	}
	return out
}

// nothingMore checks that no event waits on w.
func nothingMore(t testing.TB, w *view.Watcher) {
	t.Helper()
	if evs := w.Take(); len(evs) > 0 {
		t.Errorf("more events: %+v", eventsOf(t, evs))
	}
}

// names are the "namespace/name" of encoded objects.
func names(t testing.TB, items [][]byte) []string {
	t.Helper()
	out := []string{}
	for _, it := range items {
		var m api.EventMeta
		if err := json.Unmarshal(it, &m); err != nil {
			t.Fatal(err)
		}
		out = append(out, m.Metadata.Namespace+"/"+m.Metadata.Name)
	}
	return out
}

// valueOf is the typed value of o, a T.
func valueOf[T view.Value](t testing.TB, o *view.Object) T {
	t.Helper()
	v, err := o.Value()
	if err != nil {
		t.Fatal(err)
	}
	typed, ok := v.(T)
	if !ok {
		t.Fatalf("%s %s is a %T", o.Kind, o.Key, v)
	}
	return typed
}
