package kubeapi

import (
	"net/http"
	"slices"
	"testing"
)

// readRoutes are the routes of every resource's list and get.
func readRoutes() []Route {
	var out []Route
	for _, r := range Resources {
		base := "/api/v1"
		if r.Group != "" {
			base = "/apis/" + r.GroupVersion()
		}
		if r.Namespaced {
			base += "/namespaces/:namespace"
		}
		out = append(out, Route{http.MethodGet, base + "/" + r.Name}, Route{http.MethodGet, base + "/" + r.Name + "/:name"})
	}
	return out
}

// Discovery lists every served resource once, in its group and version, with the verbs its
// routes serve, and a subresource only when a route serves it.
func TestResourceLists(t *testing.T) {
	routes := append(readRoutes(), Route{http.MethodGet, "/api/v1/namespaces/:namespace/pods/:name/log"},
		Route{http.MethodPut, "/apis/apps/v1/namespaces/:namespace/deployments/:name/scale"})
	s := ServedBy(routes)
	seen := 0
	for _, gv := range []struct{ group, version string }{{"", "v1"}, {"apps", "v1"}, {"batch", "v1"}, {"networking.k8s.io", "v1"}} {
		l, ok := ResourceList(s, gv.group, gv.version)
		if !ok {
			t.Fatalf("%s/%s serves nothing", gv.group, gv.version)
		}
		for _, res := range l.APIResources {
			switch res.Name {
			case "pods/log":
				if res.Kind != "Pod" || !slices.Equal(res.Verbs, []string{"get"}) || !res.Namespaced {
					t.Errorf("pods/log: %+v", res)
				}
			case "deployments/scale":
				if res.Group != "autoscaling" || res.Version != "v1" || res.Kind != "Scale" || !slices.Equal(res.Verbs, []string{"update"}) {
					t.Errorf("deployments/scale: %+v", res)
				}
			default:
				seen++
				r, ok := Lookup(gv.group, gv.version, res.Name)
				if !ok {
					t.Errorf("%s listed in %s/%s, which does not serve it", res.Name, gv.group, gv.version)
					continue
				}
				if !slices.Equal(res.Verbs, []string{"get", "list", "watch"}) || res.Kind != r.Kind || res.Namespaced != r.Namespaced ||
					res.SingularName != r.SingularName || !slices.Equal(res.ShortNames, r.ShortNames) || !slices.Equal(res.Categories, r.Categories) {
					t.Errorf("%s: %+v", res.Name, res)
				}
			}
		}
	}
	if seen != len(Resources) {
		t.Errorf("%d resources listed, want %d", seen, len(Resources))
	}
	if _, ok := ResourceList(s, "extensions", "v1beta1"); ok {
		t.Error("a group that serves nothing has a resource list")
	}
	if got := GroupList(s); len(got.Groups) != 3 || got.Groups[0].Name != "apps" || got.Groups[0].PreferredVersion.GroupVersion != "apps/v1" {
		t.Errorf("groups: %+v", got.Groups)
	}
	// A group none of whose resources a route serves is not listed.
	if got := GroupList(ServedBy(readRoutes()[:2])); len(got.Groups) != 0 {
		t.Errorf("groups with the pods' routes only: %+v", got.Groups)
	}
	if v := APIVersions("10.0.0.1:7070"); !slices.Equal(v.Versions, []string{"v1"}) || v.ServerAddressByClientCIDRs[0].ServerAddress != "10.0.0.1:7070" {
		t.Errorf("api versions: %+v", v)
	}
}
