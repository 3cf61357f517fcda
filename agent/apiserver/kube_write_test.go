package apiserver

import (
	"encoding/json"
	"net/http"
	"slices"
	"strings"
	"testing"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/podman-swarm/podman-swarm/agent/auth"
	"github.com/podman-swarm/podman-swarm/agent/kubeapi"
	"github.com/podman-swarm/podman-swarm/api"
)

func resource(t *testing.T, group, name string) kubeapi.Resource {
	t.Helper()
	r, ok := kubeapi.Lookup(group, "v1", name)
	if !ok {
		t.Fatalf("no resource %s in group %q", name, group)
	}
	return r
}

// The writes' routes come from the registry: every kind a manifest holds is created,
// replaced, patched and deleted (a Namespace's delete is the project's own route); Nodes
// are replaced (their patch and delete are the project's routes); Events are not written;
// Deployments and StatefulSets have a /scale; every kind with a status has a /status. Each
// route has its rule, which takes full rights for every change.
func TestKubeWriteRoutes(t *testing.T) {
	routes := registered(t)
	want := []string{
		"POST /apis/apps/v1/namespaces/:namespace/deployments",
		"PUT /apis/apps/v1/namespaces/:namespace/deployments/:name",
		"PATCH /apis/apps/v1/namespaces/:namespace/deployments/:name",
		"DELETE /apis/apps/v1/namespaces/:namespace/deployments/:name",
		"GET /apis/apps/v1/namespaces/:namespace/deployments/:name/scale",
		"PUT /apis/apps/v1/namespaces/:namespace/statefulsets/:name/scale",
		"PATCH /apis/apps/v1/namespaces/:namespace/statefulsets/:name/scale",
		"GET /apis/batch/v1/namespaces/:namespace/jobs/:name/status",
		"PATCH /apis/networking.k8s.io/v1/namespaces/:namespace/ingresses/:name/status",
		"POST /api/v1/namespaces/:namespace/pods",
		"DELETE /api/v1/namespaces/:namespace/secrets/:name",
		"POST /api/v1/namespaces",
		"PUT /api/v1/namespaces/:name",
		"PATCH /api/v1/namespaces/:name",
		"DELETE /api/v1/namespaces/:name",
		"PUT /api/v1/nodes/:name",
		"PATCH /api/v1/nodes/:name",
		"DELETE /api/v1/nodes/:name",
		"GET /api/v1/nodes/:name/status",
		"GET /openapi/v3",
		"GET /openapi/v3/apis/apps/v1",
	}
	for _, w := range want {
		if !slices.Contains(routes, w) {
			t.Errorf("no route %s", w)
		}
	}
	for _, r := range routes {
		switch {
		case strings.Contains(r, "/events") && !strings.HasPrefix(r, "GET "):
			t.Errorf("events are written: %s", r)
		case strings.HasPrefix(r, "POST /api/v1/nodes"):
			t.Errorf("nodes are created: %s", r)
		case strings.Contains(r, "/scale") && !strings.Contains(r, "/deployments/") && !strings.Contains(r, "/statefulsets/"):
			t.Errorf("a scale of a kind without replicas: %s", r)
		case strings.Contains(r, "/configmaps/:name/status") || strings.Contains(r, "/secrets/:name/status"):
			t.Errorf("a status of a kind without one: %s", r)
		}
	}
	for _, rt := range kubeWriteTable() {
		rule := access[rt.method+" "+rt.prefix+rt.path]
		if rt.method != http.MethodGet && rule.Right != auth.Admin {
			t.Errorf("%s %s%s takes %s", rt.method, rt.prefix, rt.path, rule.Right)
		}
	}
	if got := access["POST /apis/apps/v1/namespaces/:namespace/deployments"].Action; got != "creating a Deployment" {
		t.Errorf("the action of a create: %q", got)
	}
	if got := access["PATCH /apis/networking.k8s.io/v1/namespaces/:namespace/ingresses/:name"].Action; got != "patching an Ingress" {
		t.Errorf("the action of a patch: %q", got)
	}
}

// The objects a write sends are checked against the request as the API server checks
// them: apiVersion and kind default to the path's and must be the path's; the namespace
// defaults to the path's, and a cluster-scoped object is in none; the name must be the
// path's.
func TestPlaceObject(t *testing.T) {
	deployments, namespaces := resource(t, "apps", "deployments"), resource(t, "", "namespaces")
	obj, err := decodeKubeObject([]byte("metadata:\n  name: web\n"), deployments)
	if err != nil || obj["apiVersion"] != "apps/v1" || obj["kind"] != "Deployment" {
		t.Fatalf("defaults: %v %v", obj, err)
	}
	if err := placeObject(obj, deployments, "shop", ""); err != nil || metaString(obj, "namespace") != "shop" {
		t.Errorf("namespace: %v %v", obj, err)
	}
	for _, body := range []string{`{"apiVersion":"v1","kind":"Deployment"}`, `{"kind":"Service"}`, `[1]`, `{"metadata":[]}`, `{"apiVersion":3}`} {
		if _, err := decodeKubeObject([]byte(body), deployments); !apierrors.IsBadRequest(err) {
			t.Errorf("%s: %v, want a 400", body, err)
		}
	}
	other := map[string]any{"metadata": map[string]any{"name": "web", "namespace": "other"}}
	if err := placeObject(other, deployments, "shop", ""); !apierrors.IsBadRequest(err) ||
		!strings.Contains(err.Error(), "the namespace of the provided object does not match the namespace sent on the request") {
		t.Errorf("another namespace: %v", err)
	}
	renamed := map[string]any{"metadata": map[string]any{"name": "api"}}
	if err := placeObject(renamed, deployments, "shop", "web"); !apierrors.IsBadRequest(err) ||
		err.Error() != "the name of the object (api) does not match the name on the URL (web)" {
		t.Errorf("another name: %v", err)
	}
	ns := map[string]any{"metadata": map[string]any{"name": "shop", "namespace": "default"}}
	if err := placeObject(ns, namespaces, "", "shop"); err != nil || metaString(ns, "namespace") != "" {
		t.Errorf("a namespace in a namespace: %v %v", ns, err)
	}
}

// What the API server sets is not a client's to send: dropped from a new object, and for
// a changed one, taken again from the stored one (status included).
func TestServerFields(t *testing.T) {
	obj := map[string]any{
		"metadata": map[string]any{"name": "web", "uid": "u", "resourceVersion": "9", "creationTimestamp": "2020-01-01T00:00:00Z",
			"generation": 3, "managedFields": []any{}, "labels": map[string]any{"a": "b"}},
		"status": map[string]any{"replicas": 2},
	}
	dropServerFields(obj)
	want := map[string]any{"metadata": map[string]any{"name": "web", "labels": map[string]any{"a": "b"}}}
	if got, _ := json.Marshal(obj); string(got) != string(must(json.Marshal(want))) {
		t.Errorf("dropped: %s", got)
	}
	stored := []byte(`{"metadata":{"name":"web","uid":"u1","creationTimestamp":"2021-01-01T00:00:00Z","deletionTimestamp":"2021-02-01T00:00:00Z"},"status":{"phase":"Terminating"}}`)
	changed := map[string]any{"metadata": map[string]any{"name": "web", "uid": "forged", "resourceVersion": "7"}, "status": map[string]any{"phase": "Active"}}
	if err := keepServerFields(changed, stored); err != nil {
		t.Fatal(err)
	}
	want = map[string]any{
		"metadata": map[string]any{"name": "web", "uid": "u1", "creationTimestamp": "2021-01-01T00:00:00Z", "deletionTimestamp": "2021-02-01T00:00:00Z"},
		"status":   map[string]any{"phase": "Terminating"},
	}
	if got, _ := json.Marshal(changed); string(got) != string(must(json.Marshal(want))) {
		t.Errorf("kept: %s", got)
	}
}

func must(b []byte, err error) []byte {
	if err != nil {
		panic(err)
	}
	return b
}

// A generated name is the prefix and five characters of the API server's alphabet.
func TestGeneratedName(t *testing.T) {
	n := generatedName("job-")
	if len(n) != 9 || !strings.HasPrefix(n, "job-") || strings.Trim(n[4:], "bcdfghjklmnpqrstvwxz2456789") != "" {
		t.Errorf("generated name %q", n)
	}
}

// An answer to the removal of a node is a Status of success to kubectl and the removal's
// account to the swarm CLI; the answer to the delete of a namespace is the Namespace to
// kubectl and the CLI's result line.
func TestSharedAnswers(t *testing.T) {
	b, err := json.Marshal(nodeRemovedAnswer(api.NodeRemoval{Name: "n2", RemovedBy: "n1", JoinTokenRotated: true, RevokedTokens: []api.TokenInfo{}}))
	if err != nil {
		t.Fatal(err)
	}
	var st metav1.Status
	var rm api.NodeRemoval
	if json.Unmarshal(b, &st) != nil || json.Unmarshal(b, &rm) != nil {
		t.Fatalf("decode %s", b)
	}
	if st.Kind != "Status" || st.Status != metav1.StatusSuccess || st.Details.Name != "n2" || st.Details.Kind != "nodes" {
		t.Errorf("as a Status: %+v", st)
	}
	if rm.Name != "n2" || rm.RemovedBy != "n1" || !rm.JoinTokenRotated {
		t.Errorf("as a removal: %+v", rm)
	}

	c, rec := testContext(http.MethodDelete, "/api/v1/namespaces/shop", "", "")
	value := []byte(`{"apiVersion":"v1","kind":"Namespace","metadata":{"name":"shop","deletionTimestamp":"2026-01-01T00:00:00Z"},"spec":{"finalizers":["kubernetes"]},"status":{"phase":"Terminating"}}`)
	if err := answerNamespaceDeleting(c, "shop", value); err != nil {
		t.Fatal(err)
	}
	var ns corev1.Namespace
	var res api.Applied
	if json.Unmarshal(rec.Body.Bytes(), &ns) != nil || json.Unmarshal(rec.Body.Bytes(), &res) != nil {
		t.Fatalf("decode %s", rec.Body)
	}
	if ns.Name != "shop" || ns.Status.Phase != corev1.NamespaceTerminating || ns.DeletionTimestamp == nil || ns.APIVersion != "v1" {
		t.Errorf("as a Namespace: %+v", ns)
	}
	if res.Kind != "Namespace" || res.Name != "shop" || res.Result != "deleted" {
		t.Errorf("as the CLI's result: %+v", res)
	}
}
