package apiserver_test

import (
	"bufio"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// watchEvent is one event of a watch, its object left encoded.
type watchEvent struct {
	Type   string          `json:"type"`
	Object json.RawMessage `json:"object"`
}

// name is the event's object's name; a Table's is its row's.
func (e watchEvent) name() string {
	var o struct {
		Kind     string
		Metadata metav1.ObjectMeta
		Rows     []metav1.TableRow
	}
	_ = json.Unmarshal(e.Object, &o)
	if o.Kind == "Table" && len(o.Rows) == 1 {
		if name, ok := o.Rows[0].Cells[0].(string); ok {
			return name
		}
	}
	return o.Metadata.Name
}

// openWatch is an open watch, read an event at a time.
type openWatch struct {
	t      *testing.T
	resp   *http.Response
	events chan watchEvent
	ended  chan error
}

// watch opens a watch of path (its query says ?watch=true) with the admin token.
func (k *kubeAgent) watch(path, accept string) *openWatch {
	k.t.Helper()
	req, err := http.NewRequest(http.MethodGet, k.base+path, nil)
	if err != nil {
		k.t.Fatal(err)
	}
	req.Header.Set("Authorization", "Bearer "+k.admin)
	if accept != "" {
		req.Header.Set("Accept", accept)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		k.t.Fatal(err)
	}
	if resp.StatusCode != http.StatusOK {
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		k.t.Fatalf("watch %s: %d %s", path, resp.StatusCode, body)
	}
	w := &openWatch{t: k.t, resp: resp, events: make(chan watchEvent, 100), ended: make(chan error, 1)}
	k.t.Cleanup(func() { resp.Body.Close() })
	go func() {
		r := bufio.NewReader(resp.Body)
		for {
			line, err := r.ReadBytes('\n')
			if err != nil {
				w.ended <- err
				return
			}
			var ev watchEvent
			if err := json.Unmarshal(line, &ev); err != nil {
				w.ended <- err
				return
			}
			w.events <- ev
		}
	}()
	return w
}

// next is the next event; it fails the test when none comes within 10 seconds.
func (w *openWatch) next() watchEvent {
	w.t.Helper()
	select {
	case ev := <-w.events:
		return ev
	case err := <-w.ended:
		w.t.Fatalf("the watch ended: %v", err)
	case <-time.After(10 * time.Second):
		w.t.Fatal("no watch event within 10s")
	}
	return watchEvent{}
}

// nextOf is the next event about name, skipping those about other objects.
func (w *openWatch) nextOf(name string) watchEvent {
	w.t.Helper()
	for {
		if ev := w.next(); ev.name() == name {
			return ev
		}
	}
}

// end waits for the agent to end the watch, with no event before.
func (w *openWatch) end() {
	w.t.Helper()
	select {
	case ev := <-w.events:
		w.t.Fatalf("an event before the end: %s %s", ev.Type, ev.Object)
	case err := <-w.ended:
		if !errors.Is(err, io.EOF) {
			w.t.Fatalf("the watch ended with %v", err)
		}
	case <-time.After(10 * time.Second):
		w.t.Fatal("the watch did not end within 10s")
	}
}

// A Kubernetes watch from a list's version sends the changes since, and BOOKMARKs only when
// asked for; from no version, every object first; as a Table, each object as a row.
func TestKubeWatch(t *testing.T) {
	k := startKubeAgent(t)
	k.apply(webManifest)
	var l list
	k.get("/api/v1/namespaces/shop/configmaps", "application/json", &l)
	w := k.watch("/api/v1/namespaces/shop/configmaps?watch=true&resourceVersion="+l.Metadata.ResourceVersion, "application/json")
	tw := k.watch("/api/v1/namespaces/shop/configmaps?watch=1&resourceVersion="+l.Metadata.ResourceVersion,
		"application/json;as=Table;v=v1;g=meta.k8s.io,application/json")
	sel := k.watch("/api/v1/configmaps?watch=true&labelSelector=tier%3Dweb&resourceVersion="+l.Metadata.ResourceVersion, "application/json")
	k.apply("apiVersion: v1\nkind: ConfigMap\nmetadata: {name: more, namespace: shop}\ndata: {a: b}\n")
	if ev := w.next(); ev.Type != "ADDED" || ev.name() != "more" {
		t.Errorf("first event %s %s, want more ADDED (and no BOOKMARK)", ev.Type, ev.Object)
	}
	ev := tw.next()
	var table metav1.Table
	if err := json.Unmarshal(ev.Object, &table); err != nil || ev.Type != "ADDED" || table.Kind != "Table" || len(table.Rows) != 1 ||
		table.Rows[0].Cells[0] != "more" || len(table.ColumnDefinitions) != 3 {
		t.Errorf("table event %s %s: %v", ev.Type, ev.Object, err)
	}
	// An object that comes to match a selector is ADDED to its watch.
	k.apply("apiVersion: v1\nkind: ConfigMap\nmetadata: {name: settings, namespace: shop, labels: {tier: web}}\ndata: {a: b}\n")
	if ev := sel.next(); ev.Type != "ADDED" || ev.name() != "settings" {
		t.Errorf("selected: %s %s", ev.Type, ev.Object)
	}
	if ev := w.next(); ev.Type != "MODIFIED" || ev.name() != "settings" {
		t.Errorf("changed: %s %s", ev.Type, ev.Object)
	}

	// From no version: every object, then, when bookmarks are asked for with the initial
	// events, the BOOKMARK that ends them.
	all := k.watch("/api/v1/namespaces/shop/configmaps?watch=true&sendInitialEvents=true&allowWatchBookmarks=true&resourceVersionMatch=NotOlderThan", "application/json")
	var names []string
	for range 2 {
		ev := all.next()
		if ev.Type != "ADDED" {
			t.Fatalf("initial event %s %s", ev.Type, ev.Object)
		}
		names = append(names, ev.name())
	}
	if strings.Join(names, " ") != "more settings" {
		t.Errorf("initial events: %v", names)
	}
	if ev := all.next(); ev.Type != "BOOKMARK" || !strings.Contains(string(ev.Object), metav1.InitialEventsAnnotationKey) {
		t.Errorf("after the initial events: %s %s", ev.Type, ev.Object)
	}
}

// A watch from a version the node no longer holds (or never gave) is 410 Expired; one
// with ?timeoutSeconds= ends then.
func TestKubeWatchEnds(t *testing.T) {
	k := startKubeAgent(t)
	k.wantStatus(http.MethodGet, "/api/v1/namespaces?watch=true&resourceVersion=1", k.admin, http.StatusGone, "Expired", "too old resource version")
	k.wantStatus(http.MethodGet, "/api/v1/namespaces?watch=true&timeoutSeconds=x", k.admin, http.StatusBadRequest, "BadRequest", "timeoutSeconds")
	var l list
	k.get("/api/v1/namespaces", "application/json", &l)
	k.watch("/api/v1/namespaces?watch=true&timeoutSeconds=1&resourceVersion="+l.Metadata.ResourceVersion, "application/json").end()
}

// The project's clients, which send no Accept header, keep the project's protocol on the
// paths they read: a BOOKMARK ends the events a watch starts with, from a version too.
func TestKubeWatchKeepsTheProjectsProtocol(t *testing.T) {
	k := startKubeAgent(t)
	k.apply(webManifest)
	var l list
	k.get("/api/v1/configmaps", "", &l)
	w := k.watch("/api/v1/configmaps?watch=true&resourceVersion="+l.Metadata.ResourceVersion, "")
	if ev := w.next(); ev.Type != "BOOKMARK" || !strings.Contains(string(ev.Object), metav1.InitialEventsAnnotationKey) {
		t.Errorf("first event %s %s", ev.Type, ev.Object)
	}
	w = k.watch("/api/v1/configmaps?watch=true", "")
	if ev := w.next(); ev.Type != "ADDED" || ev.name() != "settings" {
		t.Errorf("first event %s %s", ev.Type, ev.Object)
	}
	if ev := w.next(); ev.Type != "BOOKMARK" {
		t.Errorf("second event %s %s", ev.Type, ev.Object)
	}
}
