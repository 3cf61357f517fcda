package apiserver_test

import (
	"encoding/json"
	"net/http"
	"net/url"
	"strings"
	"testing"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// list is a list as the compatible API answers it.
type list struct {
	APIVersion string          `json:"apiVersion"`
	Kind       string          `json:"kind"`
	Metadata   metav1.ListMeta `json:"metadata"`
	Items      []struct {
		Metadata metav1.ObjectMeta `json:"metadata"`
	} `json:"items"`
}

func (l list) names() string {
	var out []string
	for _, it := range l.Items {
		name := it.Metadata.Name
		if it.Metadata.Namespace != "" {
			name = it.Metadata.Namespace + "/" + name
		}
		out = append(out, name)
	}
	return strings.Join(out, " ")
}

// Every kind is listed as Kubernetes lists it, in a namespace and across them, with its
// list's kind and the version it is at; an object is got by name.
func TestKubeListAndGet(t *testing.T) {
	k := startKubeAgent(t)
	k.apply(webManifest)
	for _, tc := range []struct{ path, kind, apiVersion, names string }{
		{"/api/v1/namespaces/default/pods", "PodList", "v1", ""},
		{"/apis/apps/v1/namespaces/default/deployments", "DeploymentList", "apps/v1", "default/web"},
		{"/apis/apps/v1/deployments", "DeploymentList", "apps/v1", "default/web"},
		{"/api/v1/services", "ServiceList", "v1", "default/web"},
		{"/api/v1/namespaces/shop/services", "ServiceList", "v1", ""},
		{"/api/v1/configmaps", "ConfigMapList", "v1", "shop/settings"},
		{"/api/v1/namespaces/shop/secrets", "SecretList", "v1", "shop/creds"},
		{"/api/v1/namespaces", "NamespaceList", "v1", "default shop"},
		{"/api/v1/nodes", "NodeList", "v1", "n1"},
		{"/apis/batch/v1/jobs", "JobList", "batch/v1", ""},
		{"/apis/networking.k8s.io/v1/namespaces/default/ingresses", "IngressList", "networking.k8s.io/v1", ""},
		// The project's ?namespace= narrows a list across namespaces.
		{"/api/v1/configmaps?namespace=default", "ConfigMapList", "v1", ""},
	} {
		var l list
		k.get(tc.path, "application/json", &l)
		if l.Kind != tc.kind || l.APIVersion != tc.apiVersion || l.Metadata.ResourceVersion == "" || l.names() != tc.names {
			t.Errorf("%s: %s %s at %q: %q, want %s %s: %q", tc.path, l.APIVersion, l.Kind, l.Metadata.ResourceVersion, l.names(), tc.apiVersion, tc.kind, tc.names)
		}
	}
	// The pods are placed by the leader: they come.
	var pods list
	eventually(t, "the pods are listed", func() bool {
		k.get("/api/v1/pods", "", &pods)
		return len(pods.Items) == 2
	})
	var d struct {
		Kind     string
		Metadata metav1.ObjectMeta
	}
	k.get("/apis/apps/v1/namespaces/default/deployments/web", "", &d)
	if d.Kind != "Deployment" || d.Metadata.Name != "web" || d.Metadata.UID == "" || d.Metadata.ResourceVersion == "" {
		t.Errorf("get: %+v", d)
	}
	k.get("/api/v1/namespaces/"+pods.Items[0].Metadata.Namespace+"/pods/"+pods.Items[0].Metadata.Name, "", &d)
	if d.Kind != "Pod" || d.Metadata.Name != pods.Items[0].Metadata.Name {
		t.Errorf("get a pod: %+v", d)
	}
	k.get("/api/v1/nodes/n1", "", &d)
	if d.Kind != "Node" || d.Metadata.Name != "n1" {
		t.Errorf("get a node: %+v", d)
	}
	k.wantStatus(http.MethodGet, "/apis/apps/v1/namespaces/default/deployments/nope", k.admin, http.StatusNotFound, "NotFound", `deployments.apps "nope" not found`)
	k.wantStatus(http.MethodGet, "/api/v1/namespaces/shop/pods/nope", k.admin, http.StatusNotFound, "NotFound", `pods "nope" not found`)
	k.wantStatus(http.MethodGet, "/api/v1/nodes/nope", k.admin, http.StatusNotFound, "NotFound", `nodes "nope" not found`)
	k.wantStatus(http.MethodGet, "/api/v1/namespaces/nope", k.admin, http.StatusNotFound, "NotFound", `namespaces "nope" not found`)
}

// Lists take Kubernetes' selectors; one that does not parse, or a field a kind is not
// selected by, is a 400 Status.
func TestKubeSelectors(t *testing.T) {
	k := startKubeAgent(t)
	k.apply(webManifest)
	for path, want := range map[string]string{
		"/api/v1/configmaps?labelSelector=tier%3Ddb":                        "shop/settings",
		"/api/v1/configmaps?labelSelector=tier%21%3Ddb":                     "",
		"/api/v1/namespaces?fieldSelector=metadata.name%3Dshop":             "shop",
		"/api/v1/namespaces?fieldSelector=status.phase%3DActive":            "default shop",
		"/apis/apps/v1/deployments?fieldSelector=metadata.namespace%3Dshop": "",
		"/api/v1/secrets?fieldSelector=type%3DOpaque":                       "shop/creds",
	} {
		var l list
		k.get(path, "", &l)
		if l.names() != want {
			t.Errorf("%s: %q, want %q", path, l.names(), want)
		}
	}
	k.wantStatus(http.MethodGet, "/api/v1/configmaps?labelSelector="+url.QueryEscape("tier in ("), k.admin, http.StatusBadRequest, "BadRequest", "unable to parse requirement")
	k.wantStatus(http.MethodGet, "/api/v1/namespaces/default/pods?fieldSelector=spec.foo%3Dx", k.admin, http.StatusBadRequest, "BadRequest", "field label not supported: spec.foo")
	k.wantStatus(http.MethodGet, "/api/v1/namespaces/default/pods?fieldSelector=spec.nodeName", k.admin, http.StatusBadRequest, "BadRequest", "invalid field selector")
	k.wantStatus(http.MethodGet, "/api/v1/namespaces/default/events?fieldSelector=involvedObject.foo%3Dx", k.admin, http.StatusBadRequest, "BadRequest", "field label not supported: involvedObject.foo")
	k.wantStatus(http.MethodGet, "/api/v1/namespaces/default/pods?watch=true&labelSelector="+url.QueryEscape("a=("), k.admin, http.StatusBadRequest, "BadRequest", "")
}

// A list read in pages (?limit=, ?continue=) is of one moment: a page after a change still
// shows the list as it was at the first, with the first page's version. A token that this
// node does not keep (another node's, or one too old) is 410 Expired; one that does not
// decode, 400.
func TestKubeListPages(t *testing.T) {
	k := startKubeAgent(t)
	var cms []string
	for _, n := range []string{"a", "b", "c", "d", "e"} {
		cms = append(cms, "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: "+n+"}\ndata: {k: v}\n")
	}
	k.apply(strings.Join(cms, "---\n"))
	var first list
	k.get("/api/v1/namespaces/default/configmaps?limit=2", "", &first)
	if first.names() != "default/a default/b" || first.Metadata.Continue == "" || first.Metadata.RemainingItemCount == nil || *first.Metadata.RemainingItemCount != 3 {
		t.Fatalf("first page: %q, continue %q, remaining %v", first.names(), first.Metadata.Continue, first.Metadata.RemainingItemCount)
	}
	// A change between the pages is not in them.
	k.apply("apiVersion: v1\nkind: ConfigMap\nmetadata: {name: bb}\ndata: {k: v}\n")
	var second, third list
	k.get("/api/v1/namespaces/default/configmaps?limit=2&continue="+url.QueryEscape(first.Metadata.Continue), "", &second)
	if second.names() != "default/c default/d" || second.Metadata.ResourceVersion != first.Metadata.ResourceVersion || second.Metadata.Continue == "" {
		t.Errorf("second page: %q at %s, continue %q", second.names(), second.Metadata.ResourceVersion, second.Metadata.Continue)
	}
	k.get("/api/v1/namespaces/default/configmaps?limit=2&continue="+url.QueryEscape(second.Metadata.Continue), "", &third)
	if third.names() != "default/e" || third.Metadata.Continue != "" || third.Metadata.RemainingItemCount != nil {
		t.Errorf("last page: %q, continue %q", third.names(), third.Metadata.Continue)
	}
	var all list
	k.get("/api/v1/namespaces/default/configmaps?limit=0", "", &all)
	if len(all.Items) != 6 || all.Metadata.Continue != "" {
		t.Errorf("no limit: %q", all.names())
	}

	other := startKubeAgent(t)
	other.wantStatus(http.MethodGet, "/api/v1/namespaces/default/configmaps?limit=2&continue="+url.QueryEscape(first.Metadata.Continue),
		other.admin, http.StatusGone, "Expired", "The provided continue parameter is too old")
	k.wantStatus(http.MethodGet, "/api/v1/namespaces/default/configmaps?continue=bm90IGEgdG9rZW4", k.admin, http.StatusBadRequest, "BadRequest", "continue key is not valid")
	k.wantStatus(http.MethodGet, "/api/v1/namespaces/shop/configmaps?limit=2&continue="+url.QueryEscape(first.Metadata.Continue),
		k.admin, http.StatusBadRequest, "BadRequest", "it continues another list")
	k.wantStatus(http.MethodGet, "/api/v1/namespaces/default/configmaps?limit=x", k.admin, http.StatusBadRequest, "BadRequest", "limit")
	k.wantStatus(http.MethodGet, "/api/v1/namespaces/default/configmaps?limit=2&resourceVersion=5&continue="+url.QueryEscape(first.Metadata.Continue),
		k.admin, http.StatusBadRequest, "BadRequest", "specifying resource version is not allowed when using continue")
}

// A list's ?resourceVersion= is a version this node gave: one it has not reached is a 504
// "Too large resource version"; an exact one that is not the current, 410 Expired.
func TestKubeListVersions(t *testing.T) {
	k := startKubeAgent(t)
	var l list
	k.get("/api/v1/namespaces", "", &l)
	rv := l.Metadata.ResourceVersion
	k.get("/api/v1/namespaces?resourceVersion=0", "", &l)
	k.get("/api/v1/namespaces?resourceVersion="+rv+"&resourceVersionMatch=NotOlderThan", "", &l)
	k.wantStatus(http.MethodGet, "/api/v1/namespaces?resourceVersion=99"+rv, k.admin, http.StatusGatewayTimeout, "Timeout", "Too large resource version")
	k.wantStatus(http.MethodGet, "/api/v1/namespaces?resourceVersion=1&resourceVersionMatch=Exact", k.admin, http.StatusGone, "Expired", "too old resource version")
	k.wantStatus(http.MethodGet, "/api/v1/namespaces?resourceVersionMatch=Exact", k.admin, http.StatusBadRequest, "BadRequest", "resourceVersionMatch is forbidden")
	k.wantStatus(http.MethodGet, "/api/v1/namespaces?resourceVersion=x", k.admin, http.StatusBadRequest, "BadRequest", "resourceVersion")
}

// A Table (kubectl get) has the kind's columns, the wide ones at priority 1, and a row an
// object with its cells and, as ?includeObject= says, its metadata (the default), the
// object or nothing. PartialObjectMetadata(List) is the metadata alone.
func TestKubeTables(t *testing.T) {
	k := startKubeAgent(t)
	k.apply(webManifest)
	const tableV1 = "application/json;as=Table;v=v1;g=meta.k8s.io,application/json;as=Table;v=v1beta1;g=meta.k8s.io,application/json"
	var table metav1.Table
	k.get("/apis/apps/v1/namespaces/default/deployments", tableV1, &table)
	var cols []string
	for _, c := range table.ColumnDefinitions {
		cols = append(cols, c.Name+":"+string(rune('0'+c.Priority)))
	}
	if table.Kind != "Table" || table.APIVersion != "meta.k8s.io/v1" || table.ResourceVersion == "" ||
		strings.Join(cols, " ") != "Name:0 Ready:0 Up-to-date:0 Available:0 Age:0 Containers:1 Images:1 Selector:1" ||
		table.ColumnDefinitions[0].Format != "name" {
		t.Fatalf("table %s %s at %q: %v", table.APIVersion, table.Kind, table.ResourceVersion, cols)
	}
	if len(table.Rows) != 1 || len(table.Rows[0].Cells) != 8 || table.Rows[0].Cells[0] != "web" || table.Rows[0].Cells[5] != "web" ||
		table.Rows[0].Cells[6] != "localhost/web:1" || table.Rows[0].Cells[7] != "app=web" {
		t.Fatalf("rows: %+v", table.Rows)
	}
	var meta metav1.PartialObjectMetadata
	if err := json.Unmarshal(table.Rows[0].Object.Raw, &meta); err != nil || meta.Kind != "PartialObjectMetadata" || meta.Name != "web" ||
		meta.Namespace != "default" || meta.Labels["app"] != "web" {
		t.Errorf("row object %s: %v", table.Rows[0].Object.Raw, err)
	}
	k.get("/apis/apps/v1/namespaces/default/deployments?includeObject=Object", tableV1, &table)
	if !strings.Contains(string(table.Rows[0].Object.Raw), `"kind":"Deployment"`) || !strings.Contains(string(table.Rows[0].Object.Raw), `"spec"`) {
		t.Errorf("includeObject=Object: %s", table.Rows[0].Object.Raw)
	}
	var bare metav1.Table
	k.get("/apis/apps/v1/namespaces/default/deployments?includeObject=None", tableV1, &bare)
	if len(bare.Rows) != 1 || bare.Rows[0].Object.Raw != nil {
		t.Errorf("includeObject=None: %+v", bare.Rows)
	}
	k.get("/api/v1/namespaces/shop/configmaps/settings", "application/json;as=Table;v=v1beta1;g=meta.k8s.io", &table)
	if table.APIVersion != "meta.k8s.io/v1beta1" || len(table.Rows) != 1 || table.Rows[0].Cells[0] != "settings" || table.Rows[0].Cells[1] != "1" {
		t.Errorf("a table of one object: %+v", table)
	}
	var metas metav1.PartialObjectMetadataList
	k.get("/api/v1/namespaces", "application/json;as=PartialObjectMetadataList;v=v1;g=meta.k8s.io", &metas)
	if metas.Kind != "PartialObjectMetadataList" || len(metas.Items) != 2 || metas.Items[1].Name != "shop" {
		t.Errorf("metadata list: %+v", metas)
	}
	code, body := k.request(http.MethodGet, "/api/v1/namespaces", k.admin, "application/vnd.kubernetes.protobuf", nil)
	if code != http.StatusNotAcceptable || !strings.Contains(string(body), `"reason":"NotAcceptable"`) {
		t.Errorf("protobuf: %d %s", code, body)
	}
	code, body = k.request(http.MethodGet, "/api/v1/namespaces?includeObject=All", k.admin, tableV1, nil)
	if code != http.StatusBadRequest || !strings.Contains(string(body), `includeObject \"All\"`) {
		t.Errorf("includeObject=All: %d %s", code, body)
	}
}
