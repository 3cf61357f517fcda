package view_test

import (
	"reflect"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/podman-swarm/podman-swarm/agent/store"
	"github.com/podman-swarm/podman-swarm/agent/view"
	"github.com/podman-swarm/podman-swarm/api"
)

// The default namespace is served without a record; the others as stored, Active until
// they are deleted, then Terminating, and gone with their record.
func TestNamespaces(t *testing.T) {
	n := startNode(t)
	put(t, n, nil, store.NamespaceKey("shop"), &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: "shop", Labels: map[string]string{"team": "web"}}})
	v := newView(t, n, nil)
	run(t, v)
	if got := names(t, first(v.List(view.Namespaces, view.Filter{}))); !reflect.DeepEqual(got, []string{"/default", "/shop"}) {
		t.Fatalf("namespaces: %v", got)
	}
	def, ok := v.Get(view.Namespaces, "default")
	if !ok || valueOf[*corev1.Namespace](t, def).Status.Phase != corev1.NamespaceActive {
		t.Fatalf("default: %v %s", ok, def.JSON)
	}
	shop, _ := v.Get(view.Namespaces, "shop")
	if got := valueOf[*corev1.Namespace](t, shop); got.Status.Phase != corev1.NamespaceActive || got.Labels["team"] != "web" ||
		!reflect.DeepEqual(got.Spec.Finalizers, []corev1.FinalizerName{corev1.FinalizerKubernetes}) || got.Kind != "Namespace" {
		t.Errorf("shop: %s", shop.JSON)
	}

	w, _ := v.Watch(view.Namespaces, view.Filter{}, 0)
	at := metav1.NewTime(time.Now().Truncate(time.Second))
	put(t, n, nil, store.NamespaceKey("shop"), &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: "shop", DeletionTimestamp: &at}})
	ev := receive(t, w, 1)[0]
	if got := valueOf[*corev1.Namespace](t, ev.Object); ev.Type != api.Modified || got.Status.Phase != corev1.NamespaceTerminating {
		t.Fatalf("deleted: %s %s", ev.Type, ev.Object.JSON)
	}
	del(t, n, nil, store.NamespaceKey("shop"))
	if ev = receive(t, w, 1)[0]; ev.Type != api.Deleted || ev.Object.Key != "shop" {
		t.Fatalf("gone: %s %s", ev.Type, ev.Object.JSON)
	}
	// A record of default is shown as stored; without it, default is still there.
	put(t, n, nil, store.NamespaceKey("default"), &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: "default", Labels: map[string]string{"a": "b"}}})
	if ev = receive(t, w, 1)[0]; ev.Type != api.Modified || valueOf[view.Value](t, ev.Object).GetLabels()["a"] != "b" {
		t.Fatalf("default recorded: %s %s", ev.Type, ev.Object.JSON)
	}
	del(t, n, nil, store.NamespaceKey("default"))
	if ev = receive(t, w, 1)[0]; ev.Type != api.Modified || len(valueOf[view.Value](t, ev.Object).GetLabels()) != 0 {
		t.Fatalf("default's record deleted: %s %s", ev.Type, ev.Object.JSON)
	}
	nothingMore(t, w)
}
