package view_test

import (
	"context"
	"encoding/json"
	"errors"
	"reflect"
	"testing"
	"time"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"

	"github.com/podman-swarm/podman-swarm/agent/store"
	"github.com/podman-swarm/podman-swarm/agent/view"
	"github.com/podman-swarm/podman-swarm/api"
	"github.com/podman-swarm/podman-swarm/cluster"
	"github.com/podman-swarm/podman-swarm/manifest"
)

// The view starts from the store as it is: each kind listed in key order, by namespace, a
// Deployment with the status of its pods, a value that does not decode left out.
func TestLoadsTheStore(t *testing.T) {
	n := startNode(t)
	web, api2 := deployment("shop", "web", 2), deployment("default", "api", 1)
	put(t, n, nil, store.ObjectKey(store.PrefixDeployment, "shop", "web"), web)
	put(t, n, nil, store.ObjectKey(store.PrefixDeployment, "default", "api"), api2)
	put(t, n, nil, store.ObjectKey(store.PrefixService, "shop", "web"), service("shop", "web", 80))
	if _, err := n.Put(store.ObjectKey(store.PrefixService, "shop", "broken"), []byte("{")); err != nil {
		t.Fatal(err)
	}
	p0, p1 := podOf(web, 0), podOf(web, 1)
	put(t, n, nil, store.AssignmentKey(p0.Key()), assign(p0, "n"))
	put(t, n, nil, store.StatusKey(p0.Key()), store.PodStatus{Node: "n", Phase: corev1.PodRunning, Ready: true})
	put(t, n, nil, store.PendingKey(p1.Key()), store.Pending{Pod: p1, Reason: "no node fits"})

	v := newView(t, n, nil)
	items, version := v.List(view.Deployments, view.Filter{})
	if got := names(t, items); !reflect.DeepEqual(got, []string{"default/api", "shop/web"}) || version == 0 {
		t.Errorf("deployments: %v at %d", got, version)
	}
	if got := names(t, first(v.List(view.Deployments, view.Filter{Namespace: "shop"}))); !reflect.DeepEqual(got, []string{"shop/web"}) {
		t.Errorf("deployments of shop: %v", got)
	}
	if got := names(t, first(v.List(view.Services, view.Filter{}))); !reflect.DeepEqual(got, []string{"shop/web"}) {
		t.Errorf("services: %v (the one that does not decode is left out)", got)
	}
	if got := names(t, first(v.List(view.Pods, view.Filter{}))); !reflect.DeepEqual(got, []string{p0.Key(), p1.Key()}) {
		t.Errorf("pods: %v", got)
	}
	if got := names(t, first(v.List(view.Pods, view.Filter{ByNode: true, Node: "n"}))); !reflect.DeepEqual(got, []string{p0.Key()}) {
		t.Errorf("pods on n: %v", got)
	}
	if got := names(t, first(v.List(view.Pods, view.Filter{ByNode: true}))); !reflect.DeepEqual(got, []string{p1.Key()}) {
		t.Errorf("pods placed nowhere: %v", got)
	}
	o, ok := v.Get(view.Deployments, "shop/web")
	if !ok {
		t.Fatal("shop/web is not in the view")
	}
	if d := valueOf[*appsv1.Deployment](t, o); d.Status.Replicas != 1 || d.Status.ReadyReplicas != 1 || d.Status.UnavailableReplicas != 1 {
		t.Errorf("shop/web: %+v", o)
	}
	if o, ok := v.Get(view.Nodes, "n"); !ok || valueOf[*corev1.Node](t, o).Name != "n" {
		t.Errorf("node n: %+v", o)
	}
	if _, ok := v.Get(view.Services, "shop/broken"); ok {
		t.Error("a value that does not decode is served")
	}
}

func first[A, B any](a A, _ B) A { return a }

// A watch from a version is sent exactly the changes made after it, the same as a watch
// open at the time was sent; DELETED carries the object as it last was.
func TestWatchFromAVersion(t *testing.T) {
	n := startNode(t)
	web := deployment("default", "web", 2)
	p0, p1 := podOf(web, 0), podOf(web, 1)
	put(t, n, nil, store.PendingKey(p0.Key()), store.Pending{Pod: p0, Reason: "no node fits"})
	v := newView(t, n, nil)
	_, before := v.List(view.Pods, view.Filter{})
	open, err := v.Watch(view.Pods, view.Filter{}, 0)
	if err != nil {
		t.Fatal(err)
	}
	if got := eventsOf(t, open.Initial()); len(got) != 1 || got[0].Type != api.Added || got[0].Key != p0.Key() || open.Version() != before {
		t.Fatalf("a watch from no version starts with %+v at %d", got, open.Version())
	}

	put(t, n, v, store.AssignmentKey(p0.Key()), assign(p0, "n"))
	del(t, n, v, store.PendingKey(p0.Key()))
	put(t, n, v, store.StatusKey(p0.Key()), store.PodStatus{Node: "n", Phase: corev1.PodRunning})
	put(t, n, v, store.PendingKey(p1.Key()), store.Pending{Pod: p1, Reason: "no node fits"})
	del(t, n, v, store.PendingKey(p1.Key()))
	put(t, n, v, store.ObjectKey(store.PrefixService, "default", "web"), service("default", "web", 80))

	live := eventsOf(t, receive(t, open, 4))
	nothingMore(t, open)
	want := []api.EventType{api.Modified, api.Modified, api.Added, api.Deleted}
	for i, ev := range live {
		if ev.Type != want[i] || i < 2 && ev.Key != p0.Key() || i >= 2 && ev.Key != p1.Key() {
			t.Errorf("event %d: %+v, want %s", i, ev, want[i])
		}
	}
	// The pending record's deletion changed nothing a client sees: no event for it.
	later, err := v.Watch(view.Pods, view.Filter{}, before)
	if err != nil {
		t.Fatal(err)
	}
	if got := eventsOf(t, later.Initial()); !reflect.DeepEqual(got, live) {
		t.Errorf("from version %d:\n got %+v\nwant %+v", before, got, live)
	}
	mid, _ := v.Watch(view.Pods, view.Filter{}, parse(t, live[1].Version))
	if got := eventsOf(t, mid.Initial()); !reflect.DeepEqual(got, live[2:]) {
		t.Errorf("from version %s:\n got %+v\nwant %+v", live[1].Version, got, live[2:])
	}
	gone := mid.Initial()[1]
	var pod corev1.Pod
	if err := json.Unmarshal(gone.Object.JSON, &pod); err != nil || pod.Status.Conditions[0].Reason != "Unschedulable" {
		t.Errorf("DELETED carries %s", gone.Object.JSON)
	}
	if _, ok := v.Get(view.Pods, p1.Key()); ok {
		t.Error("the deleted pod is still served")
	}
	_, now := v.List(view.Pods, view.Filter{})
	if w, err := v.Watch(view.Pods, view.Filter{}, now); err != nil || len(w.Initial()) != 0 {
		t.Errorf("a watch from now: %v, %d events", err, len(w.Initial()))
	}
}

func parse(t testing.TB, version string) uint64 {
	t.Helper()
	var u uint64
	if err := json.Unmarshal([]byte(version), &u); err != nil {
		t.Fatal(err)
	}
	return u
}

// The changes the store reports come to the view by its loop, one event a change in order,
// for every kind: the Deployment's status follows its pods.
func TestFollowsTheStore(t *testing.T) {
	n := startNode(t)
	v := newView(t, n, nil)
	run(t, v)
	deps, _ := v.Watch(view.Deployments, view.Filter{}, 0)
	web := deployment("default", "web", 1)
	p0 := podOf(web, 0)
	put(t, n, nil, store.ObjectKey(store.PrefixDeployment, "default", "web"), web)
	ev := receive(t, deps, 1)[0]
	if ev.Type != api.Added || valueOf[*appsv1.Deployment](t, ev.Object).Status.UnavailableReplicas != 1 {
		t.Fatalf("first: %s %s", ev.Type, ev.Object.JSON)
	}
	put(t, n, nil, store.AssignmentKey(p0.Key()), assign(p0, "n"))
	ev = receive(t, deps, 1)[0]
	if d := valueOf[*appsv1.Deployment](t, ev.Object); ev.Type != api.Modified || d.Status.Replicas != 1 || d.Status.ReadyReplicas != 0 {
		t.Fatalf("placed: %s %s", ev.Type, ev.Object.JSON)
	}
	put(t, n, nil, store.StatusKey(p0.Key()), store.PodStatus{Node: "n", Phase: corev1.PodRunning, Ready: true})
	ev = receive(t, deps, 1)[0]
	if d := valueOf[*appsv1.Deployment](t, ev.Object); ev.Type != api.Modified || d.Status.ReadyReplicas != 1 || d.Status.UnavailableReplicas != 0 {
		t.Fatalf("ready: %s %s", ev.Type, ev.Object.JSON)
	}
	del(t, n, nil, store.ObjectKey(store.PrefixDeployment, "default", "web"))
	if ev = receive(t, deps, 1)[0]; ev.Type != api.Deleted || ev.Object.Key != "default/web" {
		t.Fatalf("deleted: %s %s", ev.Type, ev.Object.JSON)
	}
	nothingMore(t, deps)
}

// A version older than the oldest change the view keeps, older than the view, or one it
// never gave is refused as too old.
func TestTooOldVersion(t *testing.T) {
	n := startNode(t)
	v := newView(t, n, func(c *view.Config) { c.History = 4 })
	_, start := v.List(view.Services, view.Filter{})
	for i := range 6 {
		put(t, n, v, store.ObjectKey(store.PrefixService, "default", string(rune('a'+i))), service("default", "x", 80))
	}
	_, now := v.List(view.Services, view.Filter{})
	for _, from := range []uint64{start, 1, now - 5, now + 1} {
		_, err := v.Watch(view.Services, view.Filter{}, from)
		var exp *view.ExpiredError
		if !errors.As(err, &exp) || exp.Requested != from || exp.Oldest != now-4 {
			t.Errorf("from %d (now %d): %v", from, now, err)
		}
	}
	w, err := v.Watch(view.Services, view.Filter{}, now-4)
	if err != nil || len(w.Initial()) != 4 {
		t.Errorf("from the oldest version kept: %v", err)
	}
}

// A watcher that reads nothing is closed once its buffer is full; the view, and the
// watcher that reads, go on as if it were not there.
func TestSlowWatcherIsClosed(t *testing.T) {
	n := startNode(t)
	v := newView(t, n, func(c *view.Config) { c.WatchBuffer = 4 })
	slow, _ := v.Watch(view.Services, view.Filter{}, 0)
	fast, _ := v.Watch(view.Services, view.Filter{}, 0)
	for i := range 20 {
		put(t, n, v, store.ObjectKey(store.PrefixService, "default", string(rune('a'+i))), service("default", "x", 80))
		// The reader keeps up; the other reads nothing.
		if ev := receive(t, fast, 1)[0]; ev.Type != api.Added {
			t.Errorf("the reading watcher got %+v", eventOf(t, ev))
		}
	}
	select {
	case <-slow.Done():
	default:
		t.Fatal("the watcher that reads nothing is still open")
	}
	if !errors.Is(slow.Err(), view.ErrOverflow) {
		t.Errorf("ended with %v", slow.Err())
	}
	if evs := slow.Take(); len(evs) != 0 {
		t.Errorf("%d events still wait for a closed watch", len(evs))
	}
	if n := v.Watchers(); n != 1 {
		t.Errorf("%d watchers open", n)
	}
}

// A watch of one node's pods sees a pod that comes to the node added and one that leaves
// deleted, as Kubernetes' spec.nodeName field selector does.
func TestWatchOfOneNode(t *testing.T) {
	n := startNode(t)
	v := newView(t, n, nil)
	web := deployment("default", "web", 1)
	p0 := podOf(web, 0)
	on1, _ := v.Watch(view.Pods, view.Filter{ByNode: true, Node: "n1"}, 0)
	on2, _ := v.Watch(view.Pods, view.Filter{ByNode: true, Node: "n2"}, 0)
	put(t, n, v, store.AssignmentKey(p0.Key()), assign(p0, "n1"))
	put(t, n, v, store.StatusKey(p0.Key()), store.PodStatus{Node: "n1", Phase: corev1.PodRunning})
	put(t, n, v, store.AssignmentKey(p0.Key()), assign(p0, "n2"))
	types := func(evs []view.Event) []api.EventType {
		var out []api.EventType
		for _, ev := range evs {
			out = append(out, ev.Type)
		}
		return out
	}
	if got := types(receive(t, on1, 3)); !reflect.DeepEqual(got, []api.EventType{api.Added, api.Modified, api.Deleted}) {
		t.Errorf("n1 saw %v", got)
	}
	if got := types(receive(t, on2, 1)); !reflect.DeepEqual(got, []api.EventType{api.Added}) {
		t.Errorf("n2 saw %v", got)
	}
	nothingMore(t, on1)
	nothingMore(t, on2)
}

// A change no object shows (the whitelist) raises the version and signals the notifiers;
// a document is made again only after a change.
func TestNotifyAndDocuments(t *testing.T) {
	n := startNode(t)
	v := newView(t, n, nil)
	note, err := v.Notify()
	if err != nil {
		t.Fatal(err)
	}
	made := 0
	doc := func() string {
		return string(v.Document("count", func(st *store.State) []byte {
			made++
			return []byte{byte('0' + len(st.Services))}
		}))
	}
	if doc() != "0" || doc() != "0" || made != 1 {
		t.Errorf("made %d times without a change", made)
	}
	before := v.Version()
	put(t, n, v, store.KeyDNSWhitelist, map[string]any{"enabled": true, "hosts": []string{"example.com"}})
	if v.Version() <= before {
		t.Error("the whitelist changed and the version did not")
	}
	put(t, n, v, store.ObjectKey(store.PrefixService, "default", "web"), service("default", "web", 80))
	select {
	case <-note.C():
	default:
		t.Fatal("no signal")
	}
	select {
	case <-note.C():
		t.Error("two changes made two signals while none was taken")
	default:
	}
	if doc() != "1" || made != 2 {
		t.Errorf("after a change: made %d times", made)
	}
}

// When the view stops, every watch ends, and no new one opens.
func TestStopEndsWatches(t *testing.T) {
	n := startNode(t)
	v := newView(t, n, nil)
	stop := runUntil(t, v)
	w, _ := v.Watch(view.Pods, view.Filter{}, 0)
	note, _ := v.Notify()
	stop()
	<-w.Done()
	<-note.Done()
	if !errors.Is(w.Err(), view.ErrStopped) {
		t.Errorf("ended with %v", w.Err())
	}
	if _, err := v.Watch(view.Pods, view.Filter{}, 0); !errors.Is(err, view.ErrStopped) {
		t.Errorf("a watch after the stop: %v", err)
	}
}

// A record written again with what it held already makes its objects again unchanged:
// no event; a real change afterwards is one event, at a newer version.
func TestUnchangedObjectIsNoChange(t *testing.T) {
	n := startNode(t)
	v := newView(t, n, nil)
	run(t, v)
	web := deployment("default", "web", 1)
	p0 := podOf(web, 0)
	running := store.PodStatus{Node: "n", Phase: corev1.PodRunning, Ready: true}
	put(t, n, v, store.ObjectKey(store.PrefixDeployment, "default", "web"), web)
	put(t, n, v, store.AssignmentKey(p0.Key()), assign(p0, "n"))
	put(t, n, v, store.StatusKey(p0.Key()), running)
	pods, _ := v.Watch(view.Pods, view.Filter{}, 0)
	deps, _ := v.Watch(view.Deployments, view.Filter{}, 0)
	if len(pods.Initial()) != 1 || len(deps.Initial()) != 1 {
		t.Fatalf("%d pods and %d Deployments at first, want 1 and 1", len(pods.Initial()), len(deps.Initial()))
	}
	before := v.Version()
	put(t, n, v, store.StatusKey(p0.Key()), running)
	put(t, n, v, store.AssignmentKey(p0.Key()), assign(p0, "n"))
	nothingMore(t, pods)
	nothingMore(t, deps)
	running.Ready = false
	put(t, n, v, store.StatusKey(p0.Key()), running)
	ev := receive(t, pods, 1)[0]
	if p := valueOf[*corev1.Pod](t, ev.Object); ev.Type != api.Modified || ev.Object.Version <= before || p.ResourceVersion != view.FormatVersion(ev.Object.Version) {
		t.Fatalf("after a real change: %s version %d %s", ev.Type, ev.Object.Version, ev.Object.JSON)
	}
}

// TestBurstMakesOwnersOnce places thousands of a Deployment's pods in one write, which the
// view takes in parts: the pods come part by part, the Deployment once, with all of them.
func TestBurstMakesOwnersOnce(t *testing.T) {
	const replicas = 3000
	n := startNode(t)
	v := newView(t, n, nil)
	run(t, v)
	web := deployment("default", "web", replicas)
	put(t, n, v, store.ObjectKey(store.PrefixDeployment, "default", "web"), web)
	deps, _ := v.Watch(view.Deployments, view.Filter{}, 0)
	pods, _ := v.Watch(view.Pods, view.Filter{}, 0)
	var changes []cluster.Change
	for _, p := range manifest.DeploymentPods(web) {
		changes = append(changes, cluster.Change{Key: store.AssignmentKey(p.Key()), Value: store.MustJSON(assign(p, "n"))})
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	if _, err := n.Write(ctx, changes, cluster.AckLocal); err != nil {
		t.Fatal(err)
	}
	receive(t, pods, replicas)
	ev := receive(t, deps, 1)[0]
	if d := valueOf[*appsv1.Deployment](t, ev.Object); ev.Type != api.Modified || d.Status.Replicas != replicas {
		t.Fatalf("the Deployment was made with %d of its %d pods: %s", d.Status.Replicas, replicas, ev.Object.JSON)
	}
	time.Sleep(100 * time.Millisecond)
	nothingMore(t, deps)
}
