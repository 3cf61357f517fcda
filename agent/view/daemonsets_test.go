package view_test

import (
	"reflect"
	"testing"

	appsv1 "k8s.io/api/apps/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/podman-swarm/podman-swarm/agent/store"
	"github.com/podman-swarm/podman-swarm/agent/view"
	"github.com/podman-swarm/podman-swarm/api"
)

func TestDaemonSetShape(t *testing.T) {
	ds := &appsv1.DaemonSet{ObjectMeta: metav1.ObjectMeta{Namespace: "default", Name: "logs"}}
	got := view.DaemonSetShape(ds, appsv1.DaemonSetStatus{DesiredNumberScheduled: 3, NumberReady: 2})
	if got.Kind != "DaemonSet" || got.APIVersion != "apps/v1" || got.Status.DesiredNumberScheduled != 3 || got.Status.NumberReady != 2 {
		t.Errorf("shape = %+v", got)
	}
	if ds.Status.DesiredNumberScheduled != 0 || ds.Kind != "" {
		t.Error("DaemonSetShape changed the stored DaemonSet")
	}
}

// A DaemonSet is listed as stored with the leader's status, and watched as either changes.
func TestDaemonSetsListedAndWatched(t *testing.T) {
	n := startNode(t)
	ds := &appsv1.DaemonSet{ObjectMeta: metav1.ObjectMeta{Namespace: "default", Name: "logs"}}
	put(t, n, nil, store.ObjectKey(store.PrefixDaemonSet, "default", "logs"), ds)
	v := newView(t, n, nil)
	run(t, v)
	if got := names(t, first(v.List(view.DaemonSets, view.Filter{Namespace: "default"}))); !reflect.DeepEqual(got, []string{"default/logs"}) {
		t.Errorf("daemonsets: %v", got)
	}
	w, _ := v.Watch(view.DaemonSets, view.Filter{}, 0)
	put(t, n, nil, store.DaemonSetStatusKey("default/logs"), appsv1.DaemonSetStatus{DesiredNumberScheduled: 2, CurrentNumberScheduled: 1})
	ev := receive(t, w, 1)[0]
	if got := valueOf[*appsv1.DaemonSet](t, ev.Object); ev.Type != api.Modified || got.Status.DesiredNumberScheduled != 2 || got.Status.CurrentNumberScheduled != 1 {
		t.Fatalf("modified: %s %s", ev.Type, ev.Object.JSON)
	}
	del(t, n, nil, store.ObjectKey(store.PrefixDaemonSet, "default", "logs"))
	if ev = receive(t, w, 1)[0]; ev.Type != api.Deleted || ev.Object.Key != "default/logs" {
		t.Fatalf("deleted: %s %s", ev.Type, ev.Object.JSON)
	}
	nothingMore(t, w)
}
