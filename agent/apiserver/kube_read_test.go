package apiserver_test

import (
	"net/http"
	"slices"
	"strings"
	"testing"

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

// Discovery lists exactly what the routes serve: each verb of each resource has its
// route, and a verb no route serves is not listed.
func TestKubeDiscoveryListsWhatIsRouted(t *testing.T) {
	k := startKubeAgent(t)
	routed := map[string]bool{}
	// The routes, as the server has them, are what /api/v1's verbs are checked against.
	var l metav1.APIResourceList
	k.get("/api/v1", "", &l)
	probe := map[string]string{"get": "GET", "list": "GET", "watch": "GET", "create": "POST", "update": "PUT", "patch": "PATCH", "delete": "DELETE"}
	for _, res := range l.APIResources {
		if strings.Contains(res.Name, "/") {
			continue
		}
		for _, v := range res.Verbs {
			routed[res.Name+" "+v] = true
		}
		r, _ := kubeapi.ByName(res.Name)
		for verb, method := range probe {
			path := "/api/v1/" + res.Name
			if r.Namespaced {
				path = "/api/v1/namespaces/default/" + res.Name
			}
			if verb != "list" && verb != "watch" && verb != "create" {
				path += "/probe-name"
			}
			code, _ := k.request(method, path, k.admin, "", []byte("{}"))
			if code == http.StatusMethodNotAllowed && routed[res.Name+" "+verb] {
				t.Errorf("%s is listed with %s, but %s %s answers 405", res.Name, verb, method, path)
			}
			if code != http.StatusMethodNotAllowed && !routed[res.Name+" "+verb] {
				t.Errorf("%s is listed without %s, but %s %s answers %d", res.Name, verb, method, path, code)
			}
		}
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
