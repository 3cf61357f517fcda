package agent

import (
	"net/http"
	"net/url"
	"reflect"
	"strings"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/podman-swarm/podman-swarm/agent/store"
	"github.com/podman-swarm/podman-swarm/api"
)

// Every list and watch of the API takes kubectl's labelSelector and fieldSelector; a
// selector that does not parse, or a field the kind is not selected by, is a 400 with the
// API server's words.
func TestSelectorsOverTheAPI(t *testing.T) {
	a := startAgents(t, 1, nil)[0]
	labeledService := func(name, labels string) string {
		return "apiVersion: v1\nkind: Service\nmetadata: {name: " + name + ", labels: {" + labels + "}}\nspec: {selector: {app: " + name + "}, ports: [{port: 80}]}\n"
	}
	apply(t, a, labeledService("web", "app: web, tier: front"))
	apply(t, a, labeledService("db", "app: db"))
	apply(t, a, deploymentYAML("web", 2, ""))
	apply(t, a, deploymentYAML("api", 1, ""))
	eventually(t, 5*time.Second, "the pods are placed", func() bool { return len(placement(t, a)) == 3 })

	list := func(path string, q url.Values) []string {
		t.Helper()
		_, names := listVersion(t, a, path+"?"+q.Encode())
		return names
	}
	if got := list("/api/v1/services", url.Values{"labelSelector": {"tier=front"}}); !reflect.DeepEqual(got, []string{"default/web"}) {
		t.Errorf("services -l tier=front: %v", got)
	}
	if got := list("/api/v1/services", url.Values{"labelSelector": {"app in (web,db),tier notin (front)"}}); !reflect.DeepEqual(got, []string{"default/db"}) {
		t.Errorf("services -l 'app in (web,db),tier notin (front)': %v", got)
	}
	if got := list("/api/v1/pods", url.Values{"labelSelector": {"app=web"}}); len(got) != 2 || !strings.HasPrefix(got[0], "default/web-") {
		t.Errorf("pods -l app=web: %v", got)
	}
	if got := list("/api/v1/deployments", url.Values{"fieldSelector": {"metadata.name=api"}}); !reflect.DeepEqual(got, []string{"default/api"}) {
		t.Errorf("deployments --field-selector metadata.name=api: %v", got)
	}
	if got := list("/api/v1/pods", url.Values{"fieldSelector": {"status.phase=Succeeded"}}); len(got) != 0 {
		t.Errorf("pods that succeeded: %v", got)
	}
	if got := list("/api/v1/nodes", url.Values{"fieldSelector": {"metadata.name=n0"}}); !reflect.DeepEqual(got, []string{"n0"}) {
		t.Errorf("nodes by name: %v", got)
	}
	if got := list("/api/v1/namespaces", url.Values{"fieldSelector": {"metadata.name!=default"}}); len(got) != 0 {
		t.Errorf("namespaces but default: %v", got)
	}

	for _, c := range []struct{ path, want string }{
		{"/api/v1/pods?labelSelector=" + url.QueryEscape("app in web"), "unable to parse requirement"},
		{"/api/v1/services?labelSelector=" + url.QueryEscape("a=b=c"), "found '=', expected: ',' or 'end of string'"},
		{"/api/v1/pods?fieldSelector=" + url.QueryEscape("spec.foo=x"), "field label not supported: spec.foo"},
		{"/api/v1/services?fieldSelector=" + url.QueryEscape("status.phase=Running"), "field label not supported: status.phase"},
		{"/api/v1/pods?fieldSelector=" + url.QueryEscape("metadata.name"), "invalid field selector"},
		{"/api/v1/events?fieldSelector=" + url.QueryEscape("spec.foo=x"), "field label not supported: spec.foo"},
		{"/api/v1/services?watch=true&labelSelector=" + url.QueryEscape("app in web"), "unable to parse requirement"},
	} {
		var e api.APIError
		if code := call(t, a, "GET", c.path, "", nil, &e); code != http.StatusBadRequest || !strings.Contains(e.Message, c.want) {
			t.Errorf("GET %s: HTTP %d %q, want 400 %q", c.path, code, e.Message, c.want)
		}
	}

	// A watch through a label selector sees a Service given the label added and one whose
	// label goes deleted.
	w := mustWatch(t, a, "/api/v1/services", url.Values{"labelSelector": {"tier=front"}})
	if got, _ := w.initial(); len(got) != 1 || got[0].Name != "default/web" {
		t.Fatalf("initial: %v", got)
	}
	apply(t, a, labeledService("db", "app: db, tier: front"))
	apply(t, a, labeledService("web", "app: web"))
	var got []string
	for _, ev := range changes(w.until(func(ev watched) bool { return ev.Type == api.Deleted })) {
		got = append(got, string(ev.Type)+" "+ev.Name)
	}
	if want := []string{"ADDED default/db", "DELETED default/web"}; !reflect.DeepEqual(got, want) {
		t.Errorf("the watch saw %v, want %v", got, want)
	}
}

// Events, read from the store rather than the view, take the same selectors, with the
// fields Kubernetes selects events by.
func TestEventSelectors(t *testing.T) {
	a := startAgents(t, 1, nil)[0]
	for _, ev := range []corev1.Event{
		{ObjectMeta: metav1.ObjectMeta{Namespace: "default", Name: "web.1", Labels: map[string]string{"team": "a"}},
			InvolvedObject: corev1.ObjectReference{Kind: "Pod", Name: "web-1", Namespace: "default"}, Reason: "Scheduled", Type: corev1.EventTypeNormal},
		{ObjectMeta: metav1.ObjectMeta{Namespace: "default", Name: "svc.1"},
			InvolvedObject: corev1.ObjectReference{Kind: "Service", Name: "web", Namespace: "default"}, Reason: "Conflict", Type: corev1.EventTypeWarning},
	} {
		if _, err := a.Node().Put(store.EventKey(ev.Namespace, ev.Name), store.MustJSON(ev)); err != nil {
			t.Fatal(err)
		}
	}
	for _, c := range []struct {
		q    url.Values
		want []string
	}{
		{url.Values{"fieldSelector": {"involvedObject.kind=Pod"}}, []string{"default/web.1"}},
		{url.Values{"fieldSelector": {"type=Warning,involvedObject.name=web"}}, []string{"default/svc.1"}},
		{url.Values{"fieldSelector": {"reason!=Conflict"}, "labelSelector": {"team=a"}}, []string{"default/web.1"}},
		{url.Values{"labelSelector": {"team=b"}}, nil},
	} {
		var l corev1.EventList
		if code := call(t, a, "GET", "/api/v1/events?"+c.q.Encode(), "", nil, &l); code != http.StatusOK {
			t.Fatalf("events %v: HTTP %d", c.q, code)
		}
		var got []string
		for _, ev := range l.Items {
			got = append(got, ev.Namespace+"/"+ev.Name)
		}
		if !reflect.DeepEqual(got, c.want) {
			t.Errorf("events %v: %v, want %v", c.q, got, c.want)
		}
	}
}
