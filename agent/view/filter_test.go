package view_test

import (
	"reflect"
	"testing"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/fields"
	"k8s.io/apimachinery/pkg/labels"

	"github.com/podman-swarm/podman-swarm/agent/store"
	"github.com/podman-swarm/podman-swarm/agent/view"
	"github.com/podman-swarm/podman-swarm/api"
)

func labeled(ns, name string, l map[string]string) *corev1.Service {
	s := service(ns, name, 80)
	s.Labels = l
	return s
}

// Lists keep the objects their label and field selectors match, in every kind.
func TestListSelectors(t *testing.T) {
	n := startNode(t)
	v := newView(t, n, nil)
	put(t, n, v, store.ObjectKey(store.PrefixService, "default", "web"), labeled("default", "web", map[string]string{"app": "web", "tier": "front"}))
	put(t, n, v, store.ObjectKey(store.PrefixService, "default", "db"), labeled("default", "db", map[string]string{"app": "db"}))
	put(t, n, v, store.ObjectKey(store.PrefixService, "shop", "web"), labeled("shop", "web", map[string]string{"app": "web"}))
	web := deployment("default", "web", 2)
	p0, p1 := podOf(web, 0), podOf(web, 1)
	put(t, n, v, store.AssignmentKey(p0.Key()), assign(p0, "n"))
	put(t, n, v, store.StatusKey(p0.Key()), store.PodStatus{Node: "n", Phase: corev1.PodRunning})
	put(t, n, v, store.AssignmentKey(p1.Key()), assign(p1, "m"))

	for _, c := range []struct {
		kind   view.Kind
		labels string
		fields string
		ns     string
		want   []string
	}{
		{view.Services, "app=web", "", "", []string{"default/web", "shop/web"}},
		{view.Services, "app=web", "", "shop", []string{"shop/web"}},
		{view.Services, "app in (web,db),tier!=front", "", "", []string{"default/db", "shop/web"}},
		{view.Services, "tier", "", "", []string{"default/web"}},
		{view.Services, "!tier", "metadata.namespace=default", "", []string{"default/db"}},
		{view.Services, "", "metadata.name=web", "", []string{"default/web", "shop/web"}},
		{view.Services, "", "metadata.name!=web", "", []string{"default/db"}},
		{view.Services, "app=none", "", "", []string{}},
		{view.Pods, "app=web", "status.phase=Running", "", []string{p0.Key()}},
		{view.Pods, "", "status.phase=Pending", "", []string{p1.Key()}},
		{view.Pods, "", "spec.nodeName=m", "", []string{p1.Key()}},
		{view.Pods, "", "spec.nodeName!=m,metadata.name=" + p0.Name, "", []string{p0.Key()}},
	} {
		f := view.Filter{Namespace: c.ns}
		if c.labels != "" {
			var err error
			if f.Labels, err = labels.Parse(c.labels); err != nil {
				t.Fatal(err)
			}
		}
		if c.fields != "" {
			f.Fields = fields.ParseSelectorOrDie(c.fields)
		}
		if got := names(t, first(v.List(c.kind, f))); !reflect.DeepEqual(got, c.want) {
			t.Errorf("%s -l %q --field-selector %q -n %q: %v, want %v", c.kind, c.labels, c.fields, c.ns, got, c.want)
		}
	}
}

// A watch with a label selector sees an object that is given the label added, and one
// whose label is taken away deleted, as Kubernetes' watches do; it sees nothing of others.
func TestWatchOfALabel(t *testing.T) {
	n := startNode(t)
	v := newView(t, n, nil)
	key := store.ObjectKey(store.PrefixService, "default", "web")
	put(t, n, v, key, labeled("default", "web", map[string]string{"app": "web"}))
	w, err := v.Watch(view.Services, view.Filter{Labels: labels.SelectorFromSet(labels.Set{"tier": "front"})}, 0)
	if err != nil {
		t.Fatal(err)
	}
	if len(w.Initial()) != 0 {
		t.Errorf("initial: %+v", eventsOf(t, w.Initial()))
	}
	put(t, n, v, key, labeled("default", "web", map[string]string{"app": "web", "tier": "front"}))
	put(t, n, v, key, labeled("default", "web", map[string]string{"app": "web2", "tier": "front"}))
	put(t, n, v, store.ObjectKey(store.PrefixService, "default", "db"), labeled("default", "db", map[string]string{"app": "db"}))
	put(t, n, v, key, labeled("default", "web", map[string]string{"app": "web2"}))
	del(t, n, v, key)
	var got []api.EventType
	for _, ev := range receive(t, w, 3) {
		got = append(got, ev.Type)
		if ev.Object.Key != "default/web" {
			t.Errorf("saw %s %s", ev.Type, ev.Object.Key)
		}
	}
	if !reflect.DeepEqual(got, []api.EventType{api.Added, api.Modified, api.Deleted}) {
		t.Errorf("saw %v", got)
	}
	nothingMore(t, w)

	// A watch that goes on from a version sees the same history through its selector.
	all, err := v.Watch(view.Services, view.Filter{Labels: labels.SelectorFromSet(labels.Set{"tier": "front"})}, w.Version())
	if err != nil {
		t.Fatal(err)
	}
	var again []api.EventType
	for _, ev := range all.Initial() {
		again = append(again, ev.Type)
	}
	if !reflect.DeepEqual(again, []api.EventType{api.Added, api.Modified, api.Deleted}) {
		t.Errorf("from version %d: %v", w.Version(), again)
	}
}

// The field labels are Kubernetes' names, each kind with its own.
func TestFieldLabels(t *testing.T) {
	if got := view.FieldLabels(view.Pods); !reflect.DeepEqual(got, []string{"metadata.name", "metadata.namespace", "spec.nodeName", "spec.restartPolicy", "status.phase", "status.podIP"}) {
		t.Errorf("pods: %v", got)
	}
	if got := view.FieldLabels(view.Services); !reflect.DeepEqual(got, []string{"metadata.name", "metadata.namespace"}) {
		t.Errorf("services: %v", got)
	}
}
