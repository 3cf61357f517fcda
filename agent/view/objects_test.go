package view_test

import (
	"bytes"
	"encoding/json"
	"reflect"
	"testing"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/fields"
	"k8s.io/apimachinery/pkg/labels"

	"github.com/podman-swarm/podman-swarm/agent/store"
	"github.com/podman-swarm/podman-swarm/agent/view"
	"github.com/podman-swarm/podman-swarm/api"
)

// A pod's typed value is its JSON decoded: the object served, at its version, and the
// caller's own, whose changes the view never sees.
func TestPodValueIsItsJSON(t *testing.T) {
	n := startNode(t)
	v := newView(t, n, nil)
	p0 := podOf(deployment("default", "web", 1), 0)
	put(t, n, v, store.AssignmentKey(p0.Key()), store.Assignment{Pod: p0, Node: "n", PodIP: "10.88.0.7"})
	put(t, n, v, store.StatusKey(p0.Key()), store.PodStatus{Node: "n", Phase: corev1.PodRunning, Ready: true, HostIP: "192.0.2.1"})
	o, ok := v.Get(view.Pods, p0.Key())
	if !ok {
		t.Fatalf("%s is not in the view", p0.Key())
	}
	p := valueOf[*corev1.Pod](t, o)
	if data, err := json.Marshal(p); err != nil || !bytes.Equal(data, o.JSON) {
		t.Errorf("the value encodes to\n%s\nthe JSON is\n%s (%v)", data, o.JSON, err)
	}
	if p.ResourceVersion != view.FormatVersion(o.Version) || p.Spec.NodeName != "n" || p.Status.PodIP != "10.88.0.7" ||
		p.Status.Phase != corev1.PodRunning || len(p.OwnerReferences) == 0 {
		t.Errorf("the pod as decoded: %+v", p)
	}
	served := bytes.Clone(o.JSON)
	p.Labels["app"] = "changed"
	p.Spec.Containers[0].Image = "changed"
	again, _ := v.Get(view.Pods, p0.Key())
	if q := valueOf[*corev1.Pod](t, again); q.Labels["app"] != "web" || q.Spec.Containers[0].Image != "localhost/test:1" ||
		!bytes.Equal(again.JSON, served) {
		t.Errorf("a change to a decoded pod reached the view: %s", again.JSON)
	}
	if got := names(t, first(v.List(view.Pods, view.Filter{Labels: labels.SelectorFromSet(labels.Set{"app": "web"})}))); !reflect.DeepEqual(got, []string{p0.Key()}) {
		t.Errorf("-l app=web after the decoded pod's label changed: %v", got)
	}
}

// Pods are selected by their labels (the template's, and pod-template-hash) and by every
// field Kubernetes selects pods by, with the values they are served with: the defaults
// too (restartPolicy).
func TestPodSelectors(t *testing.T) {
	n := startNode(t)
	v := newView(t, n, nil)
	web := deployment("default", "web", 2)
	p0, p1 := podOf(web, 0), podOf(web, 1)
	db := podOf(deployment("shop", "db", 1), 0)
	put(t, n, v, store.AssignmentKey(p0.Key()), store.Assignment{Pod: p0, Node: "n", PodIP: "10.88.0.7"})
	put(t, n, v, store.StatusKey(p0.Key()), store.PodStatus{Node: "n", Phase: corev1.PodRunning})
	put(t, n, v, store.AssignmentKey(p1.Key()), assign(p1, "m"))
	put(t, n, v, store.AssignmentKey(db.Key()), store.Assignment{Pod: db, Node: "m", PodIP: "10.88.0.9"})
	hash := p0.Labels["pod-template-hash"]

	for _, c := range []struct {
		labels, fields string
		want           []string
	}{
		{"pod-template-hash=" + hash, "", []string{p0.Key(), p1.Key()}},
		{"app=web,pod-template-hash!=" + hash, "", []string{}},
		{"app in (web,db)", "metadata.namespace=shop", []string{db.Key()}},
		{"!app", "", []string{}},
		{"", "spec.restartPolicy=Always", []string{p0.Key(), p1.Key(), db.Key()}},
		{"", "spec.restartPolicy=Never", []string{}},
		{"", "status.podIP=10.88.0.7", []string{p0.Key()}},
		{"", "status.podIP=", []string{p1.Key()}},
		{"", "status.phase!=Running", []string{p1.Key(), db.Key()}},
		{"app=web", "spec.nodeName=m", []string{p1.Key()}},
		{"", "metadata.name=" + db.Name, []string{db.Key()}},
	} {
		f := view.Filter{}
		if c.labels != "" {
			var err error
			if f.Labels, err = labels.Parse(c.labels); err != nil {
				t.Fatal(err)
			}
		}
		if c.fields != "" {
			f.Fields = fields.ParseSelectorOrDie(c.fields)
		}
		if got := names(t, first(v.List(view.Pods, f))); !reflect.DeepEqual(got, c.want) {
			t.Errorf("-l %q --field-selector %q: %v, want %v", c.labels, c.fields, got, c.want)
		}
	}
}

// A watch of pods by a field sees a pod that comes to match it added and one that stops
// matching deleted, and a deleted pod it matched deleted: the fields are the pod's as it
// was before each change, and as it last was.
func TestWatchOfPodsByPhase(t *testing.T) {
	n := startNode(t)
	v := newView(t, n, nil)
	p0 := podOf(deployment("default", "web", 1), 0)
	put(t, n, v, store.AssignmentKey(p0.Key()), assign(p0, "n"))
	w, err := v.Watch(view.Pods, view.Filter{Fields: fields.OneTermEqualSelector("status.phase", "Running")}, 0)
	if err != nil {
		t.Fatal(err)
	}
	if len(w.Initial()) != 0 {
		t.Errorf("initial: %+v", eventsOf(t, w.Initial()))
	}
	put(t, n, v, store.StatusKey(p0.Key()), store.PodStatus{Node: "n", Phase: corev1.PodRunning})
	put(t, n, v, store.StatusKey(p0.Key()), store.PodStatus{Node: "n", Phase: corev1.PodRunning, Ready: true})
	put(t, n, v, store.StatusKey(p0.Key()), store.PodStatus{Node: "n", Phase: corev1.PodFailed})
	put(t, n, v, store.StatusKey(p0.Key()), store.PodStatus{Node: "n", Phase: corev1.PodRunning})
	del(t, n, v, store.AssignmentKey(p0.Key()))
	var got []api.EventType
	for _, ev := range receive(t, w, 5) {
		got = append(got, ev.Type)
	}
	if want := []api.EventType{api.Added, api.Modified, api.Deleted, api.Added, api.Deleted}; !reflect.DeepEqual(got, want) {
		t.Errorf("saw %v, want %v", got, want)
	}
	nothingMore(t, w)
}

// A deletion is sent with the object as it last was, at the deletion's version: what
// encoding it at that version gives, byte for byte, for a pod (kept encoded only) as for
// a Service (kept typed too).
func TestDeletedCarriesTheLastObject(t *testing.T) {
	n := startNode(t)
	v := newView(t, n, nil)
	p0 := podOf(deployment("default", "web", 1), 0)
	put(t, n, v, store.AssignmentKey(p0.Key()), store.Assignment{Pod: p0, Node: "n", PodIP: "10.88.0.7"})
	put(t, n, v, store.StatusKey(p0.Key()), store.PodStatus{Node: "n", Phase: corev1.PodRunning, Ready: true})
	svcKey := store.ObjectKey(store.PrefixService, "default", "web")
	put(t, n, v, svcKey, labeled("default", "web", map[string]string{"app": "web"}))
	for _, c := range []struct {
		kind     view.Kind
		key      string
		record   string
		selector labels.Selector
		decoded  func() view.Value
	}{
		{view.Pods, p0.Key(), store.AssignmentKey(p0.Key()), labels.SelectorFromSet(labels.Set{"app": "web"}), func() view.Value { return &corev1.Pod{} }},
		{view.Services, "default/web", svcKey, labels.SelectorFromSet(labels.Set{"app": "web"}), func() view.Value { return &corev1.Service{} }},
	} {
		last, ok := v.Get(c.kind, c.key)
		if !ok {
			t.Fatalf("%s %s is not in the view", c.kind, c.key)
		}
		w, err := v.Watch(c.kind, view.Filter{Labels: c.selector}, v.Version())
		if err != nil {
			t.Fatal(err)
		}
		del(t, n, v, c.record)
		ev := receive(t, w, 1)[0]
		if ev.Type != api.Deleted || ev.Object.Key != c.key || ev.Object.Version <= last.Version {
			t.Fatalf("%s: saw %s %s at %d", c.kind, ev.Type, ev.Object.Key, ev.Object.Version)
		}
		want := c.decoded()
		if err := json.Unmarshal(last.JSON, want); err != nil {
			t.Fatal(err)
		}
		want.SetResourceVersion(view.FormatVersion(ev.Object.Version))
		if data, _ := json.Marshal(want); !bytes.Equal(ev.Object.JSON, data) {
			t.Errorf("%s deleted as\n%s\nwant\n%s", c.kind, ev.Object.JSON, data)
		}
		if got := valueOf[view.Value](t, ev.Object); got.GetResourceVersion() != view.FormatVersion(ev.Object.Version) ||
			got.GetLabels()["app"] != "web" {
			t.Errorf("%s: the deleted value is at %s with labels %v", c.kind, got.GetResourceVersion(), got.GetLabels())
		}
		if lastNow := valueOf[view.Value](t, last); lastNow.GetResourceVersion() != view.FormatVersion(last.Version) {
			t.Errorf("%s: the object as it last was changed to version %s", c.kind, lastNow.GetResourceVersion())
		}
		w.Stop()
	}
}
