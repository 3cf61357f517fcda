package kubeapi

import (
	"net/http"
	"slices"
	"testing"
	"time"
)

// The ReplicaSets are served with reads only: routes of their writes, were there any, are
// not listed by discovery; their status is read.
func TestReplicaSetsAreReadOnly(t *testing.T) {
	rs, ok := Lookup("apps", "v1", "replicasets")
	if !ok || rs.Kind != "ReplicaSet" || !slices.Equal(rs.ShortNames, []string{"rs"}) || !rs.Namespaced || rs.ReadOnly == "" {
		t.Fatalf("replicasets: %+v, %v", rs, ok)
	}
	base := "/apis/apps/v1/namespaces/:namespace/replicasets"
	s := ServedBy([]Route{
		{http.MethodGet, base}, {http.MethodGet, base + "/:name"}, {http.MethodGet, "/apis/apps/v1/replicasets"},
		{http.MethodPost, base}, {http.MethodPut, base + "/:name"}, {http.MethodPatch, base + "/:name"}, {http.MethodDelete, base + "/:name"},
		{http.MethodGet, base + "/:name/status"}, {http.MethodGet, base + "/:name/scale"},
	})
	if got := s.Verbs(rs, ""); !slices.Equal(got, []string{"get", "list", "watch"}) {
		t.Errorf("verbs: %v", got)
	}
	if got := s.Verbs(rs, "status"); !slices.Equal(got, []string{"get"}) {
		t.Errorf("status: %v", got)
	}
	if got := s.Verbs(rs, "scale"); got != nil {
		t.Errorf("scale: %v", got)
	}
	l, _ := ResourceList(s, "apps", "v1")
	if len(l.APIResources) != 2 || l.APIResources[0].Name != "replicasets" || !slices.Equal(l.APIResources[0].Categories, []string{"all"}) ||
		l.APIResources[1].Name != "replicasets/status" || l.APIResources[1].Kind != "ReplicaSet" {
		t.Errorf("apps/v1: %+v", l.APIResources)
	}
}

// A ReplicaSet's table is kubectl's: desired, current and ready pods, its age; wide, its
// containers, images and selector.
func TestReplicaSetTable(t *testing.T) {
	p, _ := PrinterFor("replicasets")
	now := time.Date(2025, 1, 1, 12, 0, 0, 0, time.UTC)
	rs := []byte(`{"metadata":{"name":"web-5d8f","namespace":"shop","creationTimestamp":"2025-01-01T11:57:00Z"},
		"spec":{"replicas":3,"selector":{"matchLabels":{"app":"web","pod-template-hash":"5d8f"}},
		"template":{"spec":{"containers":[{"name":"web","image":"localhost/web:2"},{"name":"log","image":"localhost/log:1"}]}}},
		"status":{"replicas":2,"readyReplicas":1}}`)
	ns, cells, err := p.Row(rs, true, now)
	want := []string{"web-5d8f", "3", "2", "1", "3m", "web,log", "localhost/web:2,localhost/log:1", "app=web,pod-template-hash=5d8f"}
	if err != nil || ns != "shop" || !slices.Equal(cells, want) {
		t.Errorf("wide row: %q %q %v, want %q", ns, cells, err, want)
	}
	if got := Upper(p.Header(false)); !slices.Equal(got, []string{"NAME", "DESIRED", "CURRENT", "READY", "AGE"}) {
		t.Errorf("header: %v", got)
	}
	if got := Upper(p.Header(true)); !slices.Equal(got[5:], []string{"CONTAINERS", "IMAGES", "SELECTOR"}) {
		t.Errorf("wide header: %v", got)
	}
}
