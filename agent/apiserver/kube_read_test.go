package apiserver_test

import (
	"context"
	"encoding/json"
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/version"
	apiversion "k8s.io/apimachinery/pkg/version"

	"github.com/podman-swarm/podman-swarm/agent/kubeapi"
	"github.com/podman-swarm/podman-swarm/api"
)

// Discovery names every kind of the registry in its group and version, with the verbs the
// node's routes serve (the reads at least), and the groups that serve them.
func TestKubeDiscovery(t *testing.T) {
	k := startKubeAgent(t)
	var versions metav1.APIVersions
	k.get("/api", "", &versions)
	if !slices.Equal(versions.Versions, []string{"v1"}) || len(versions.ServerAddressByClientCIDRs) != 1 {
		t.Errorf("/api: %+v", versions)
	}
	var groups metav1.APIGroupList
	k.get("/apis", "application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList,application/json", &groups)
	var names []string
	for _, g := range groups.Groups {
		names = append(names, g.Name+"="+g.PreferredVersion.GroupVersion)
	}
	if got := strings.Join(names, " "); got != "apps=apps/v1 batch=batch/v1 networking.k8s.io=networking.k8s.io/v1" {
		t.Errorf("/apis: %s", got)
	}
	var group metav1.APIGroup
	k.get("/apis/batch", "", &group)
	if group.Name != "batch" || group.PreferredVersion.Version != "v1" {
		t.Errorf("/apis/batch: %+v", group)
	}
	listed := 0
	for _, gv := range []string{"/api/v1", "/apis/apps/v1", "/apis/batch/v1", "/apis/networking.k8s.io/v1"} {
		var l metav1.APIResourceList
		k.get(gv, "", &l)
		for _, res := range l.APIResources {
			if strings.Contains(res.Name, "/") {
				continue
			}
			listed++
			r, ok := kubeapi.ByName(res.Name)
			if !ok || r.GroupVersion() != l.GroupVersion || r.Kind != res.Kind || r.Namespaced != res.Namespaced {
				t.Errorf("%s lists %+v", gv, res)
			}
			for _, v := range []string{"get", "list", "watch"} {
				if !slices.Contains(res.Verbs, v) {
					t.Errorf("%s: %s lacks the verb %s: %v", gv, res.Name, v, res.Verbs)
				}
			}
		}
	}
	if listed != len(kubeapi.Resources) {
		t.Errorf("%d resources listed, want %d", listed, len(kubeapi.Resources))
	}
	k.wantStatus(http.MethodGet, "/apis/extensions/v1beta1", k.admin, http.StatusNotFound, "NotFound", "the server could not find the requested resource")
}

// Discovery lists exactly what the routes serve: each verb of each resource and
// subresource that discovery lists is answered by a route, and each verb it does not list
// is answered as Kubernetes answers a verb a resource is not served with (405), or a
// path it does not have (404), in every group. A route that only refuses, such as a
// write of a status, serves nothing.
func TestKubeDiscoveryListsWhatIsRouted(t *testing.T) {
	k := startKubeAgent(t)
	objectVerbs := []string{"create", "delete", "deletecollection", "get", "list", "patch", "update", "watch"}
	subVerbs := []string{"create", "get", "patch", "update"}
	checked := 0
	for _, gv := range []string{"/api/v1", "/apis/apps/v1", "/apis/batch/v1", "/apis/networking.k8s.io/v1"} {
		var l metav1.APIResourceList
		k.get(gv, "", &l)
		listed := map[string][]string{}
		for _, res := range l.APIResources {
			listed[res.Name] = res.Verbs
		}
		for _, r := range kubeapi.Resources {
			if r.GroupVersion() != l.GroupVersion {
				continue
			}
			collection := gv + "/" + r.Name
			if r.Namespaced {
				collection = gv + "/namespaces/default/" + r.Name
			}
			object := collection + "/probe-name"
			for _, verb := range objectVerbs {
				path := object
				if verb == "list" || verb == "watch" || verb == "create" || verb == "deletecollection" {
					path = collection
				}
				k.wantServed(r.Name, verb, path, slices.Contains(listed[r.Name], verb))
				checked++
			}
			// The subresources the registry knows of, and one it does not.
			subs := []string{"nope"}
			for _, sub := range r.Subresources {
				subs = append(subs, sub.Name)
			}
			for _, sub := range subs {
				for _, verb := range subVerbs {
					name := r.Name + "/" + sub
					k.wantServed(name, verb, object+"/"+sub, slices.Contains(listed[name], verb))
					checked++
				}
			}
		}
	}
	if checked < 200 {
		t.Errorf("only %d verbs checked", checked)
	}
}

// wantServed requests path with the method of verb and checks that a route serves it when
// listed is true, and that none does otherwise. A watch is the list's GET with
// ?watch=true; a route serves a request when the answer is neither 405 nor the 404 of a
// path no route has.
func (k *kubeAgent) wantServed(name, verb, path string, listed bool) {
	k.t.Helper()
	method := map[string]string{"create": "POST", "delete": "DELETE", "deletecollection": "DELETE", "get": "GET",
		"list": "GET", "patch": "PATCH", "update": "PUT", "watch": "GET"}[verb]
	if verb == "watch" {
		path += "?watch=true&timeoutSeconds=1"
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, method, k.base+path, strings.NewReader("{}"))
	if err != nil {
		k.t.Fatal(err)
	}
	req.Header.Set("Authorization", "Bearer "+k.admin)
	req.Header.Set("Content-Type", "application/merge-patch+json")
	if method != http.MethodPatch {
		req.Header.Set("Content-Type", "application/json")
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		k.t.Fatalf("%s %s: %v", method, path, err)
	}
	defer resp.Body.Close()
	var st status
	if resp.StatusCode != http.StatusOK { // a watch's answer goes on: its body is not read
		_ = json.NewDecoder(resp.Body).Decode(&st)
	}
	routed := resp.StatusCode != http.StatusMethodNotAllowed &&
		!(resp.StatusCode == http.StatusNotFound && st.Message == "the server could not find the requested resource")
	if routed != listed {
		k.t.Errorf("%s: discovery lists %s: %v, but %s %s answers %d %s", name, verb, listed, method, path, resp.StatusCode, st.Message)
	}
}

// GET /version is Kubernetes' version.Info, whose gitVersion kubectl parses, with the
// agent's own version and node, which swarm version prints.
func TestKubeVersion(t *testing.T) {
	k := startKubeAgent(t)
	var info apiversion.Info
	k.get("/version", "", &info)
	sv, err := version.ParseSemantic(info.GitVersion)
	if err != nil || info.Major != "1" || info.Minor != kubeapi.KubernetesMinor || sv.Minor() != 32 || !strings.Contains(info.GitVersion, "+swarm.") {
		t.Errorf("version %+v: %v", info, err)
	}
	var v api.ServerVersion
	k.get("/version", "", &v)
	if v.AgentVersion == "" || v.Node != "n1" || v.GoVersion == "" || v.Platform == "" {
		t.Errorf("agent's version %+v", v)
	}
}
