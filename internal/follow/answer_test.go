package follow

import (
	"encoding/json"
	"net/url"
	"reflect"
	"strings"
	"testing"

	"github.com/podman-swarm/podman-swarm/api"
)

func event(t api.EventType, object string) api.WatchEvent {
	return api.WatchEvent{Type: t, Object: json.RawMessage(object)}
}

// A Kubernetes list with a version is watched from it object by object, and put together
// again in key order; bookmarks move the version on.
func TestListAnswer(t *testing.T) {
	a, err := newAnswer("/things", []byte(`{"apiVersion":"v1","kind":"List","metadata":{"resourceVersion":"5"},"items":[`+
		`{"metadata":{"namespace":"b","name":"x","resourceVersion":"4"}},{"metadata":{"namespace":"a","name":"y","resourceVersion":"3"}}]}`))
	if err != nil || !a.list || !reflect.DeepEqual(a.query(), url.Values{"resourceVersion": {"5"}}) {
		t.Fatalf("newAnswer: %+v %v", a, err)
	}
	for _, ev := range []api.WatchEvent{
		event(api.Added, `{"metadata":{"namespace":"a","name":"z","resourceVersion":"6"}}`),
		event(api.Modified, `{"metadata":{"namespace":"b","name":"x","resourceVersion":"7"},"v":2}`),
		event(api.Deleted, `{"metadata":{"namespace":"a","name":"y","resourceVersion":"8"}}`),
	} {
		if changed, err := a.apply(ev); !changed || err != nil {
			t.Errorf("%s: %v %v", ev.Type, changed, err)
		}
	}
	want := `{"apiVersion":"v1","kind":"List","items":[{"metadata":{"namespace":"a","name":"z","resourceVersion":"6"}},` +
		`{"metadata":{"namespace":"b","name":"x","resourceVersion":"7"},"v":2}]}`
	if got := string(a.answer()); got != want {
		t.Errorf("answer:\n got %s\nwant %s", got, want)
	}
	if changed, err := a.apply(event(api.Bookmark, `{"metadata":{"resourceVersion":"9","annotations":{"k8s.io/initial-events-end":"true"}}}`)); changed || err != nil ||
		a.version != "9" || !a.started {
		t.Errorf("bookmark: %v %v, version %s, started %v", changed, err, a.version, a.started)
	}
	for _, ev := range []api.WatchEvent{
		event("ERROR", `{"kind":"Status","message":"gone"}`),
		event(api.Added, `{"metadata":{"namespace":"a"}}`),
	} {
		if _, err := a.apply(ev); err == nil {
			t.Errorf("%s %s taken", ev.Type, ev.Object)
		}
	}
	if _, err := newAnswer("/things", []byte(`{"kind":"List","metadata":{"resourceVersion":"1"},"items":[{"metadata":{}}]}`)); err == nil ||
		!strings.Contains(err.Error(), "without a name") {
		t.Errorf("a list with an object without a name: %v", err)
	}
}

// A list of a kind, as the paths shared with Kubernetes' API answer it, is a list too.
func TestKindListAnswer(t *testing.T) {
	a, err := newAnswer("/api/v1/services", []byte(`{"apiVersion":"v1","kind":"ServiceList","metadata":{"resourceVersion":"5"},"items":[`+
		`{"metadata":{"namespace":"b","name":"x","resourceVersion":"4"}}]}`))
	if err != nil || !a.list || !reflect.DeepEqual(a.query(), url.Values{"resourceVersion": {"5"}}) {
		t.Fatalf("newAnswer: %+v %v", a, err)
	}
}

// Any other answer is watched whole, from no version: each event replaces it.
func TestWholeAnswer(t *testing.T) {
	for _, body := range []string{`{"items":[]}`, `"name"`, `{"kind":"List","items":[]}`} {
		a, err := newAnswer("/doc", []byte(body))
		if err != nil || a.list || a.query() != nil || string(a.answer()) != body {
			t.Errorf("%s: %+v %v", body, a, err)
		}
	}
	a, _ := newAnswer("/doc", []byte(`{"items":[]}`))
	if changed, err := a.apply(event(api.Modified, `{"items":[1]}`)); !changed || err != nil || string(a.answer()) != `{"items":[1]}` {
		t.Errorf("MODIFIED: %v %v %s", changed, err, a.answer())
	}
	if _, err := a.apply(event(api.Deleted, `{"items":[1]}`)); err == nil {
		t.Error("a whole answer deleted")
	}
}
