package apiserver_test

import (
	"encoding/json"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"testing"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/podman-swarm/podman-swarm/agent/events"
)

// eventList is an EventList.
type eventList struct {
	Kind     string          `json:"kind"`
	Metadata metav1.ListMeta `json:"metadata"`
	Items    []corev1.Event  `json:"items"`
}

// reasons are the events' reasons, sorted: events recorded within a second list in no
// order one can tell beforehand.
func (l eventList) reasons() string {
	var out []string
	for _, ev := range l.Items {
		out = append(out, ev.Reason)
	}
	slices.Sort(out)
	return strings.Join(out, " ")
}

// Events are listed as Kubernetes lists them, selected by the fields kubectl describe
// selects them by: an event the project recorded without its object's uid is one of the
// object of that name, whatever uid is asked for; one with a uid, of that object only.
func TestKubeEvents(t *testing.T) {
	k := startKubeAgent(t)
	rec := events.NewRecorder(k.a.Node(), "n1", nil, nil)
	rec.Event(events.Object("Deployment", "default", "web"), corev1.EventTypeNormal, "ScalingReplicaSet", "scaled up to 2")
	withUID := events.Object("Pod", "default", "web-1")
	withUID.UID = "1111"
	rec.Event(withUID, corev1.EventTypeWarning, "BackOff", "restarting")
	rec.Event(events.Object("Service", "shop", "db"), corev1.EventTypeNormal, "Allocated", "10.43.0.9")

	var l eventList
	k.get("/api/v1/events", "application/json", &l)
	if l.Kind != "EventList" || l.Metadata.ResourceVersion == "" || l.reasons() != "Allocated BackOff ScalingReplicaSet" {
		t.Fatalf("events: %s at %q: %s", l.Kind, l.Metadata.ResourceVersion, l.reasons())
	}
	describe := func(kind, name, uid string) string {
		sel := "involvedObject.name=" + name + ",involvedObject.namespace=default,involvedObject.uid=" + uid
		if kind != "" {
			sel += ",involvedObject.kind=" + kind
		}
		var l eventList
		k.get("/api/v1/namespaces/default/events?limit=500&fieldSelector="+url.QueryEscape(sel), "", &l)
		return l.reasons()
	}
	for _, tc := range []struct{ kind, name, uid, want string }{
		{"Deployment", "web", "any-uid", "ScalingReplicaSet"},
		{"", "web-1", "1111", "BackOff"},
		{"", "web-1", "2222", ""},
		{"Pod", "web", "x", ""},
	} {
		if got := describe(tc.kind, tc.name, tc.uid); got != tc.want {
			t.Errorf("events of %s %s %s: %q, want %q", tc.kind, tc.name, tc.uid, got, tc.want)
		}
	}
	for query, want := range map[string]string{
		"/api/v1/events?fieldSelector=type%3DWarning":                        "BackOff",
		"/api/v1/events?fieldSelector=type%21%3DWarning,source%3Dn1":         "",
		"/api/v1/events?fieldSelector=reason%3DAllocated":                    "Allocated",
		"/api/v1/namespaces/shop/events":                                     "Allocated",
		"/api/v1/events?namespace=default&object=deployment%2Fweb":           "ScalingReplicaSet",
		"/api/v1/events?fieldSelector=involvedObject.apiVersion%3Dapps%2Fv1": "ScalingReplicaSet",
	} {
		var l eventList
		k.get(query, "", &l)
		if l.reasons() != want {
			t.Errorf("%s: %q, want %q", query, l.reasons(), want)
		}
	}
	// One by name, and as a table.
	var name string
	for _, ev := range l.Items {
		if ev.Reason == "Allocated" {
			name = ev.Name
		}
	}
	var ev corev1.Event
	k.get("/api/v1/namespaces/shop/events/"+name, "", &ev)
	if ev.Reason != "Allocated" || ev.Kind != "Event" {
		t.Errorf("get %s: %+v", name, ev)
	}
	k.wantStatus(http.MethodGet, "/api/v1/namespaces/shop/events/nope", k.admin, http.StatusNotFound, "NotFound", `events "nope" not found`)
	var table metav1.Table
	k.get("/api/v1/namespaces/shop/events", "application/json;as=Table;v=v1;g=meta.k8s.io", &table)
	if len(table.Rows) != 1 || table.ColumnDefinitions[0].Name != "Last Seen" || table.Rows[0].Cells[3] != "service/db" {
		t.Errorf("table: %+v", table)
	}
}

// A watch of events from a list's version starts with what changed since that list: an
// event counted again MODIFIED, a new one ADDED, and not those the list had as they are.
// A version no list of this node has is 410 Expired.
func TestKubeEventWatch(t *testing.T) {
	k := startKubeAgent(t)
	rec := events.NewRecorder(k.a.Node(), "n1", nil, nil)
	web := events.Object("Deployment", "default", "web")
	rec.Event(web, corev1.EventTypeNormal, "ScalingReplicaSet", "scaled up to 2")
	rec.Event(web, corev1.EventTypeNormal, "Pulled", "pulled")
	var l eventList
	k.get("/api/v1/namespaces/default/events", "application/json", &l)
	rec.Event(web, corev1.EventTypeNormal, "Pulled", "pulled") // counted again before the watch
	w := k.watch("/api/v1/namespaces/default/events?watch=true&resourceVersion="+l.Metadata.ResourceVersion, "application/json")
	if ev := w.next(); ev.Type != "MODIFIED" || !strings.Contains(string(ev.Object), `"count":2`) {
		t.Errorf("first event %s %s", ev.Type, ev.Object)
	}
	rec.Event(web, corev1.EventTypeWarning, "Failed", "no image")
	ev := w.next()
	var got corev1.Event
	if err := json.Unmarshal(ev.Object, &got); err != nil || ev.Type != "ADDED" || got.Reason != "Failed" {
		t.Errorf("next event %s %s", ev.Type, ev.Object)
	}
	k.wantStatus(http.MethodGet, "/api/v1/namespaces/default/events?watch=true&resourceVersion=7", k.admin, http.StatusGone, "Expired", "too old resource version")
	// A list of other events is not one to go on from here.
	k.wantStatus(http.MethodGet, "/api/v1/namespaces/shop/events?watch=true&resourceVersion="+l.Metadata.ResourceVersion, k.admin, http.StatusGone, "Expired", "")
}
