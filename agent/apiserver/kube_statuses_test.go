package apiserver_test

import (
	"encoding/json"
	"net/http"
	"strings"
	"testing"
)

// On the paths of the compatible API every error is a Status with Kubernetes' reason and
// code, the refusals of a token included, on the reads, the writes, the pods' streams and
// the project's routes at paths Kubernetes has too; the project's own paths keep their
// errors.
func TestKubeErrors(t *testing.T) {
	k := startKubeAgent(t)
	ro := k.readOnlyToken()
	k.wantStatus(http.MethodGet, "/api/v1/namespaces/default/pods", "", http.StatusUnauthorized, "Unauthorized", "needs a token")
	k.wantStatus(http.MethodGet, "/apis/apps/v1/deployments", "swarmapi-0000000000000000.nope", http.StatusUnauthorized, "Unauthorized", "")
	k.wantStatus(http.MethodGet, "/api", "", http.StatusUnauthorized, "Unauthorized", "")
	k.wantStatus(http.MethodGet, "/openapi/v3", "", http.StatusUnauthorized, "Unauthorized", "")
	k.wantStatus(http.MethodGet, "/api/v1/namespaces/default/secrets", ro, http.StatusForbidden, "Forbidden", "is read-only: listing secrets needs a token with full rights")
	k.wantStatus(http.MethodGet, "/api/v1/namespaces/default/secrets/x", ro, http.StatusForbidden, "Forbidden", "is read-only: reading a secret")
	k.wantStatus(http.MethodGet, "/api/v1/secrets", ro, http.StatusForbidden, "Forbidden", "is read-only")
	for _, path := range []string{"/api/v1/namespaces/default/replicasets", "/apis/apps/v1/namespaces/default/controllerrevisions",
		"/apis/extensions/v1beta1/ingresses", "/apis/nope", "/openapi/v2", "/openapi/v3/apis/extensions/v1beta1"} {
		k.wantStatus(http.MethodGet, path, k.admin, http.StatusNotFound, "NotFound", "the server could not find the requested resource")
	}
	// A method no route takes at a path of a resource: the verb is not served.
	k.wantStatus(http.MethodPut, "/api/v1/pods", k.admin, http.StatusMethodNotAllowed, "MethodNotAllowed", `is not supported on resources of kind "pods"`)
	k.wantStatus(http.MethodPost, "/apis/apps/v1/deployments", k.admin, http.StatusMethodNotAllowed, "MethodNotAllowed", `resources of kind "deployments.apps"`)

	// The writes, the pods' streams and the project's routes at paths Kubernetes has too
	// answer the same: a missing token, a read-only token's refusal, a path that names
	// nothing, a method a path does not take.
	k.apply(webManifest)
	for _, c := range []struct {
		method, path, token string
		code                int
		reason, msg         string
	}{
		{http.MethodPost, "/apis/apps/v1/namespaces/default/deployments", "", 401, "Unauthorized", "needs a token"},
		{http.MethodPut, "/api/v1/namespaces/shop/configmaps/settings", ro, 403, "Forbidden", "is read-only: replacing a ConfigMap needs a token with full rights"},
		{http.MethodPost, "/apis/apps/v1/namespaces/default/controllerrevisions", k.admin, 404, "NotFound", "the server could not find the requested resource"},
		{http.MethodGet, "/apis/apps/v1/namespaces/default/deployments/nope/scale", k.admin, 404, "NotFound", `deployments.apps "nope" not found`},
		{http.MethodDelete, "/api/v1/namespaces/shop/configmaps", k.admin, 405, "MethodNotAllowed", `deletecollection is not supported on resources of kind "configmaps"`},
		{http.MethodPut, "/apis/apps/v1/namespaces/default/deployments/web/status", k.admin, 405, "MethodNotAllowed", `the status of deployments.apps "web" cannot be written`},

		{http.MethodGet, "/api/v1/namespaces/default/pods/web-1/log", "", 401, "Unauthorized", "needs a token"},
		{http.MethodPost, "/api/v1/namespaces/default/pods/web-1/exec", ro, 403, "Forbidden", "is read-only: running a command in a pod needs a token with full rights"},
		{http.MethodGet, "/api/v1/namespaces/default/pods/nope/log", k.admin, 404, "NotFound", `pods "nope" not found`},
		{http.MethodGet, "/api/v1/namespaces/default/pods/web-1/attach", k.admin, 405, "MethodNotAllowed", "attach is not supported on this cluster"},
		{http.MethodDelete, "/api/v1/namespaces/default/pods/web-1/exec", k.admin, 405, "MethodNotAllowed", "is not supported on resources of kind \"pods\""},

		{http.MethodDelete, "/api/v1/namespaces/shop", "", 401, "Unauthorized", "needs a token"},
		{http.MethodDelete, "/api/v1/nodes/n1", ro, 403, "Forbidden", "is read-only"},
		{http.MethodPatch, "/api/v1/nodes/n1", ro, 403, "Forbidden", "is read-only"},
		{http.MethodDelete, "/api/v1/namespaces/nope", k.admin, 404, "NotFound", `namespaces "nope" not found`},
		{http.MethodPost, "/api/v1/nodes/n1", k.admin, 405, "MethodNotAllowed", `is not supported on resources of kind "nodes"`},

		// Paths under an object that no route takes.
		{http.MethodPut, "/api/v1/namespaces/shop/configmaps/settings/status", k.admin, 404, "NotFound", "the server could not find the requested resource"},
		{http.MethodGet, "/api/v1/namespaces/shop/configmaps/settings/nope", k.admin, 404, "NotFound", "the server could not find the requested resource"},
		{http.MethodGet, "/api/v1/nodes/n1/nope", k.admin, 404, "NotFound", "the server could not find the requested resource"},
		{http.MethodGet, "/api/v1/nodes/nope/usage", k.admin, 404, "NotFound", `node "nope" not found`},
	} {
		k.wantStatus(c.method, c.path, c.token, c.code, c.reason, c.msg)
	}

	// A read-only token reads the rest.
	for _, path := range []string{"/api/v1/namespaces/default/pods", "/apis/apps/v1/deployments", "/api/v1/nodes", "/api/v1/namespaces/default/events", "/apis",
		"/openapi/v3", "/openapi/v3/apis/apps/v1"} {
		if code, body := k.request(http.MethodGet, path, ro, "", nil); code != http.StatusOK {
			t.Errorf("GET %s with a read-only token: %d %s", path, code, body)
		}
	}
	// The project's own paths answer its own errors.
	code, body := k.request(http.MethodGet, "/api/v1/deployments/default/nope", k.admin, "", nil)
	var e struct {
		Kind    string `json:"kind"`
		Message string `json:"message"`
	}
	if err := json.Unmarshal(body, &e); err != nil || code != http.StatusNotFound || e.Kind != "" || !strings.Contains(e.Message, "nope") {
		t.Errorf("the project's 404: %d %s", code, body)
	}
}
