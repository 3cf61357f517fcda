package kubeapi

import (
	"net/http"
	"slices"
	"testing"
)

// Kubernetes' paths are read as the resource, namespace, object and subresource they name;
// the project's own paths beside them, and paths of resources not served, are not theirs.
func TestParsePath(t *testing.T) {
	for _, tc := range []struct {
		path string
		want string // resource/namespace/name/subresource, "" when not a path of the API
		all  bool
	}{
		{"/api/v1/pods", "pods///", true},
		{"/api/v1/namespaces/default/pods", "pods/default//", false},
		{"/api/v1/namespaces/default/pods/web-1", "pods/default/web-1/", false},
		{"/api/v1/namespaces/default/pods/web-1/log", "pods/default/web-1/log", false},
		{"/api/v1/namespaces/:namespace/pods/:name/exec", "pods/:namespace/:name/exec", false},
		{"/api/v1/nodes", "nodes///", false},
		{"/api/v1/nodes/n1", "nodes//n1/", false},
		{"/api/v1/nodes/n1/status", "nodes//n1/status", false},
		{"/api/v1/namespaces", "namespaces///", false},
		{"/api/v1/namespaces/shop", "namespaces//shop/", false},
		{"/api/v1/namespaces/shop/status", "namespaces//shop/status", false},
		{"/apis/apps/v1/deployments", "deployments///", true},
		{"/apis/apps/v1/namespaces/shop/deployments/web/scale", "deployments/shop/web/scale", false},
		{"/apis/apps/v1/namespaces/shop/replicasets/web-5d8f", "replicasets/shop/web-5d8f/", false},
		{"/apis/batch/v1/namespaces/shop/cronjobs", "cronjobs/shop//", false},
		{"/apis/networking.k8s.io/v1/namespaces/shop/ingresses/web", "ingresses/shop/web/", false},
		// The project's own paths, and what is no resource here.
		{"/api/v1/pods/default/web-1", "", false},
		{"/api/v1/pods/default/web-1/logs", "", false},
		{"/api/v1/nodes/n1/usage", "", false},
		{"/api/v1/services/default/web/endpoints", "", false},
		{"/api/v1/deployments", "", false},
		{"/api/v1/endpoints", "", false},
		{"/api/v1/namespaces/default/replicasets", "", false},
		{"/apis/apps/v1/namespaces/default/controllerrevisions", "", false},
		{"/apis/apps/v2/deployments", "", false},
		{"/api/v1/namespaces/default/pods/web-1/foo", "", false},
		{"/api/v1/namespaces/default/pods/web-1/log/more", "", false},
		{"/api/v1//pods", "", false},
		{"/healthz", "", false},
	} {
		p, ok := ParsePath(tc.path)
		got := ""
		if ok {
			got = p.Resource.Name + "/" + p.Namespace + "/" + p.Name + "/" + p.Subresource
		}
		if got != tc.want || ok && p.AllNamespaces != tc.all {
			t.Errorf("%s: %q (all namespaces %v), want %q (%v)", tc.path, got, p.AllNamespaces, tc.want, tc.all)
		}
	}
}

// The paths whose errors are Statuses: discovery, OpenAPI, all under a namespace, and the
// paths of the served resources; not the project's own.
func TestIsPath(t *testing.T) {
	for path, want := range map[string]bool{
		"/api": true, "/api/v1": true, "/apis": true, "/apis/apps": true, "/apis/foo/v1/bar": true,
		"/openapi/v3": true, "/openapi/v2": true,
		"/api/v1/namespaces": true, "/api/v1/namespaces/default/replicasets": true,
		"/api/v1/pods": true, "/api/v1/nodes/n1": true, "/api/v1/events": true,
		// Under a node, Kubernetes' paths (the project's usage among them).
		"/api/v1/nodes/n1/nope": true, "/api/v1/nodes/n1/usage": true, "/api/v1/nodes/n1/proxy/x": true,
		"/api/v1/pods/default/web": false, "/api/v1/deployments": false, "/api/v1/pods/default/web/logs": false,
		"/api/v1/tokens": false, "/api/v1/manifests": false, "/version": false, "/healthz": false,
	} {
		if got := IsPath(path); got != want {
			t.Errorf("IsPath(%s) = %v, want %v", path, got, want)
		}
	}
}

// What routes serve is the verbs the registry declares that a route takes: a list route
// serves list and watch, an object's route get, update, patch and delete by its method; a
// method Kubernetes does not take at a path serves nothing.
func TestServedBy(t *testing.T) {
	s := ServedBy([]Route{
		{http.MethodGet, "/api/v1/namespaces/:namespace/pods"},
		{http.MethodGet, "/api/v1/namespaces/:namespace/pods/:name"},
		{http.MethodGet, "/api/v1/pods"},
		{http.MethodPut, "/api/v1/pods"}, // no verb of Kubernetes
		{http.MethodGet, "/api/v1/namespaces/:namespace/pods/:name/log"},
		{http.MethodPost, "/api/v1/namespaces/:namespace/pods/:name/exec"},
		{http.MethodGet, "/api/v1/namespaces/:namespace/pods/:name/exec"},
		{http.MethodDelete, "/api/v1/nodes/:name"},
		{http.MethodGet, "/api/v1/nodes/:name/usage"}, // the project's
		{http.MethodPatch, "/apis/apps/v1/namespaces/:namespace/deployments/:name/scale"},
		{http.MethodPost, "/apis/apps/v1/namespaces/:namespace/deployments"},
		{http.MethodDelete, "/apis/apps/v1/namespaces/:namespace/deployments"},
	})
	pods, _ := ByName("pods")
	nodes, _ := ByName("nodes")
	deployments, _ := ByName("deployments")
	for _, tc := range []struct {
		r    Resource
		sub  string
		want []string
	}{
		{pods, "", []string{"get", "list", "watch"}},
		{pods, "log", []string{"get"}},
		{pods, "exec", []string{"create", "get"}},
		{pods, "status", nil},
		{nodes, "", []string{"delete"}},
		{deployments, "", []string{"create", "deletecollection"}},
		{deployments, "scale", []string{"patch"}},
	} {
		if got := s.Verbs(tc.r, tc.sub); !slices.Equal(got, tc.want) {
			t.Errorf("%s/%s: %v, want %v", tc.r.Name, tc.sub, got, tc.want)
		}
	}
}
