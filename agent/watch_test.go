package agent

import (
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/podman-swarm/podman-swarm/api"
)

// A list carries its version; a watch from it is sent exactly the changes made after it,
// the same a watch open all along was sent, deletions included, on every node. The
// Services are headless: a Service with a ClusterIP changes twice when created, once
// when applied and once when the leader's allocation reaches the node, which may or may
// not come in the same batch of changes as the Service itself.
func TestListThenWatch(t *testing.T) {
	agents := startAgents(t, 2, nil)
	a, b := agents[0], agents[1]
	headless := func(name string) string {
		return strings.Replace(serviceYAML(name), "spec: {", "spec: {clusterIP: None, ", 1)
	}
	apply(t, a, headless("one"))
	for _, ag := range agents {
		eventually(t, 5*time.Second, ag.cfg.NodeName+" lists the service", func() bool {
			_, names := listVersion(t, ag, "/api/v1/services")
			return len(names) == 1
		})
	}
	versionA, _ := listVersion(t, a, "/api/v1/services")
	versionB, _ := listVersion(t, b, "/api/v1/services")
	liveA := mustWatch(t, a, "/api/v1/services", nil)
	if got, at := liveA.initial(); len(got) != 1 || got[0].Type != api.Added || got[0].Name != "default/one" || at != versionA {
		t.Fatalf("a watch from no version starts with %v at %s (the list is at %s)", got, at, versionA)
	}
	liveB := mustWatch(t, b, "/api/v1/services", url.Values{"resourceVersion": {versionB}})
	if got, _ := liveB.initial(); len(got) != 0 {
		t.Fatalf("a watch from the list's version starts with %v", got)
	}

	// Each change reaches both nodes before the next is made: a node reads a changed key
	// once however many times it changed meanwhile, and shows what it read.
	everywhere := func(what string, services string) {
		for _, ag := range agents {
			eventually(t, 5*time.Second, ag.cfg.NodeName+" "+what, func() bool {
				var l struct {
					Items []struct {
						Spec struct{ Ports []struct{ Port int } }
					}
				}
				call(t, ag, "GET", "/api/v1/services", "", nil, &l)
				got := ""
				for _, it := range l.Items {
					got += fmt.Sprint(it.Spec.Ports[0].Port, " ")
				}
				return got == services
			})
		}
	}
	apply(t, a, headless("two"))
	everywhere("lists two", "80 80 ")
	apply(t, b, strings.Replace(headless("one"), "port: 80", "port: 81", 1))
	everywhere("lists one changed", "81 80 ")
	if code := call(t, a, "DELETE", "/api/v1/manifests/default/two?kind=Service", "", nil, nil); code != http.StatusOK {
		t.Fatalf("delete: HTTP %d", code)
	}
	twoGone := func(ev watched) bool { return ev.Type == api.Deleted && ev.Name == "default/two" }
	seen := map[*Agent][]watched{}
	for ag, live := range map[*Agent]*watchStream{a: liveA, b: liveB} {
		got := changes(live.until(twoGone))
		var kinds []string
		for i, ev := range got {
			kinds = append(kinds, string(ev.Type)+" "+ev.Name)
			if i > 0 && ev.ResourceVersion <= got[i-1].ResourceVersion {
				t.Errorf("%s: the versions do not rise: %v", ag.cfg.NodeName, got)
			}
		}
		if !reflect.DeepEqual(kinds, []string{"ADDED default/two", "MODIFIED default/one", "DELETED default/two"}) {
			t.Errorf("%s: %v", ag.cfg.NodeName, got)
		}
		if !strings.Contains(string(live.raw.Object), `"port":80`) {
			t.Errorf("%s: DELETED carries %s, not the Service as it last was", ag.cfg.NodeName, live.raw.Object)
		}
		seen[ag] = got
	}
	// A watch from the list's version is sent at once what the watch open all along saw.
	for ag, version := range map[*Agent]string{a: versionA, b: versionB} {
		got, _ := mustWatch(t, ag, "/api/v1/services", url.Values{"resourceVersion": {version}}).initial()
		if !reflect.DeepEqual(got, seen[ag]) {
			t.Errorf("%s from %s:\n got %v\nwant %v", ag.cfg.NodeName, version, got, seen[ag])
		}
	}
	if _, names := listVersion(t, a, "/api/v1/services"); !reflect.DeepEqual(names, []string{"default/one"}) {
		t.Errorf("services: %v", names)
	}
}

// A version the agent no longer holds the changes after (from before the agent
// restarted, older than it, or one it never gave) is answered 410 Gone with a
// Kubernetes Status, in kubectl's words.
func TestWatchFromATooOldVersion(t *testing.T) {
	a := startAgents(t, 1, nil)[0]
	apply(t, a, serviceYAML("one"))
	before, _ := listVersion(t, a, "/api/v1/services")
	cfg := a.cfg
	if err := a.Shutdown(false); err != nil {
		t.Fatal(err)
	}
	a = startAgent(t, cfg)
	after, names := listVersion(t, a, "/api/v1/services")
	if !reflect.DeepEqual(names, []string{"default/one"}) || after <= before && len(after) == len(before) {
		t.Errorf("after a restart the list is at %s with %v (it was at %s)", after, names, before)
	}
	for _, rv := range []string{before, "1", "9" + after} {
		var st struct {
			Kind, APIVersion, Status, Reason, Message string
			Code                                      int
		}
		path := "/api/v1/services?watch=true&resourceVersion=" + rv
		code := call(t, a, "GET", path, "", nil, &st)
		if code != http.StatusGone || st.Kind != "Status" || st.Status != "Failure" || st.Reason != "Expired" || st.Code != 410 ||
			!strings.HasPrefix(st.Message, "too old resource version: "+rv) {
			t.Errorf("from %s: HTTP %d %+v", rv, code, st)
		}
	}
	_, err := openWatch(t, a, "/api/v1/pods", url.Values{"resourceVersion": {before}})
	var re *api.ResponseError
	if !errors.As(err, &re) || re.Status != http.StatusGone {
		t.Errorf("Client.Watch from before the restart: %v", err)
	}
	var e api.APIError
	if code := call(t, a, "GET", "/api/v1/services?watch=true&resourceVersion=x", "", nil, &e); code != http.StatusBadRequest {
		t.Errorf("a version that is no number: HTTP %d %+v", code, e)
	}
}

// An open watch is sent a BOOKMARK every so often, with the version the watch is at.
func TestWatchBookmarks(t *testing.T) {
	defer func(d time.Duration) { watchBookmarks = d }(watchBookmarks)
	watchBookmarks = 50 * time.Millisecond
	a := startAgents(t, 1, nil)[0]
	w := mustWatch(t, a, "/api/v1/deployments", nil)
	_, start := w.initial()
	apply(t, a, deploymentYAML("web", 1, ""))
	added := w.until(func(ev watched) bool { return ev.Type == api.Added })
	last := added[len(added)-1].ResourceVersion
	// Bookmarks that come before the Deployment's changes settle carry the version too.
	marks := 0
	for marks < 2 {
		ev, _ := w.next()
		if ev.Type != api.Bookmark {
			last = ev.ResourceVersion
			continue
		}
		if ev.InitialEnd || ev.Name != "" || len(ev.ResourceVersion) != len(last) || ev.ResourceVersion < last {
			t.Errorf("bookmark %+v after version %s", ev, last)
		}
		marks++
	}
	if last <= start && len(last) == len(start) {
		t.Errorf("the watch started at %s and is at %s", start, last)
	}
}

// The endpoints and the whitelist are watched whole: the answer first, then again each
// time it changes.
func TestWatchWholeAnswers(t *testing.T) {
	a := startAgents(t, 1, nil)[0]
	eps := mustWatch(t, a, "/api/v1/endpoints", nil)
	first, ev := eps.next()
	if first.Type != api.Added || string(ev.Object) != `{"items":[]}` {
		t.Fatalf("endpoints start with %v %s", first, ev.Object)
	}
	wl := mustWatch(t, a, "/api/v1/dns/whitelist", nil)
	if first, ev := wl.next(); first.Type != api.Added || string(ev.Object) != `{"enabled":false,"hosts":[]}` {
		t.Fatalf("the whitelist starts with %v %s", first, ev.Object)
	}
	apply(t, a, serviceYAML("web"))
	eps.until(func(ev watched) bool { return ev.Type == api.Modified })
	if !strings.Contains(string(eps.raw.Object), `"name":"web"`) {
		t.Errorf("endpoints after a Service: %s", eps.raw.Object)
	}
	if code := call(t, a, "PUT", "/api/v1/dns/whitelist", "application/json", []byte(`{"enabled":true,"hosts":["example.com"]}`), nil); code != http.StatusOK {
		t.Fatalf("PUT whitelist: HTTP %d", code)
	}
	for {
		ev, raw := wl.next()
		if ev.Type == api.Bookmark {
			continue
		}
		if ev.Type != api.Modified || string(raw.Object) != `{"enabled":true,"hosts":["example.com"]}` {
			t.Errorf("whitelist: %v %s", ev, raw.Object)
		}
		break
	}
	// A watch with a version is sent the whole answer first all the same.
	again := mustWatch(t, a, "/api/v1/dns/whitelist", url.Values{"resourceVersion": {"1"}})
	if ev, raw := again.next(); ev.Type != api.Modified || !strings.Contains(string(raw.Object), "example.com") {
		t.Errorf("from a version: %v %s", ev, raw.Object)
	}
}

// Pods are listed and watched by node, with kubectl's field selector.
func TestPodsByNode(t *testing.T) {
	agents := startAgents(t, 2, nil)
	a := agents[0]
	onN1 := mustWatch(t, a, "/api/v1/pods", url.Values{"fieldSelector": {"spec.nodeName=n1"}})
	if got, _ := onN1.initial(); len(got) != 0 {
		t.Fatalf("pods on n1 at first: %v", got)
	}
	apply(t, a, deploymentYAML("web", 2, ""))
	eventually(t, 5*time.Second, "both pods are placed", func() bool { return len(placement(t, a)) == 2 })
	p := placement(t, a)
	for _, node := range []string{"n0", "n1"} {
		_, names := listVersion(t, a, "/api/v1/pods?fieldSelector=spec.nodeName%3D"+node)
		if len(names) != 1 || p[strings.TrimPrefix(names[0], "default/")] != node {
			t.Errorf("pods on %s: %v (placement %v)", node, names, p)
		}
	}
	ev := changes(onN1.until(func(ev watched) bool { return ev.Type != api.Bookmark }))[0]
	if ev.Type != api.Added || p[strings.TrimPrefix(ev.Name, "default/")] != "n1" {
		t.Errorf("the watch of n1's pods saw %v (placement %v)", ev, p)
	}
	var e api.APIError
	if code := call(t, a, "GET", "/api/v1/services?fieldSelector=spec.nodeName%3Dn1", "", nil, &e); code != http.StatusBadRequest {
		t.Errorf("a field selector on services: HTTP %d %+v", code, e)
	}
	if code := call(t, a, "GET", "/api/v1/pods?fieldSelector=spec.hostname%3Dx", "", nil, &e); code != http.StatusBadRequest {
		t.Errorf("an unknown field: HTTP %d %+v", code, e)
	}
}

// An object read from the API and applied again is unchanged: its resourceVersion, which
// is the node's, is not stored.
func TestReadObjectAppliesUnchanged(t *testing.T) {
	a := startAgents(t, 1, nil)[0]
	apply(t, a, serviceYAML("web"))
	var raw map[string]any
	if code := call(t, a, "GET", "/api/v1/services/default/web", "", nil, &raw); code != http.StatusOK {
		t.Fatalf("GET: HTTP %d", code)
	}
	if rv := raw["metadata"].(map[string]any)["resourceVersion"]; rv == nil || rv == "" {
		t.Errorf("the object has no resourceVersion: %v", raw)
	}
	body, _ := json.Marshal(raw)
	var res api.ApplyResult
	if code := call(t, a, "POST", "/api/v1/manifests", "application/json", body, &res); code != http.StatusOK || res.Applied[0].Result != "unchanged" {
		t.Errorf("applied again: HTTP %d %+v", code, res)
	}
}
