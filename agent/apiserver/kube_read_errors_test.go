package apiserver_test

import (
	"encoding/json"
	"net/http"
	"strings"
	"testing"
)

// On the paths of the compatible API every error is a Status with Kubernetes' reason and
// code, the refusals of a token included; the project's own paths keep their errors.
func TestKubeErrors(t *testing.T) {
	k := startKubeAgent(t)
	ro := k.readOnlyToken()
	k.wantStatus(http.MethodGet, "/api/v1/namespaces/default/pods", "", http.StatusUnauthorized, "Unauthorized", "needs a token")
	k.wantStatus(http.MethodGet, "/apis/apps/v1/deployments", "swarmapi-0000000000000000.nope", http.StatusUnauthorized, "Unauthorized", "")
	k.wantStatus(http.MethodGet, "/api", "", http.StatusUnauthorized, "Unauthorized", "")
	k.wantStatus(http.MethodGet, "/api/v1/namespaces/default/secrets", ro, http.StatusForbidden, "Forbidden", "is read-only: listing secrets needs a token with full rights")
	k.wantStatus(http.MethodGet, "/api/v1/namespaces/default/secrets/x", ro, http.StatusForbidden, "Forbidden", "is read-only: reading a secret")
	k.wantStatus(http.MethodGet, "/api/v1/secrets", ro, http.StatusForbidden, "Forbidden", "is read-only")
	for _, path := range []string{"/api/v1/namespaces/default/replicasets", "/apis/apps/v1/namespaces/default/controllerrevisions",
		"/apis/extensions/v1beta1/ingresses", "/apis/nope", "/openapi/v3", "/openapi/v2"} {
		k.wantStatus(http.MethodGet, path, k.admin, http.StatusNotFound, "NotFound", "the server could not find the requested resource")
	}
	// A method no route takes at a path of a resource: the verb is not served.
	k.wantStatus(http.MethodPut, "/api/v1/pods", k.admin, http.StatusMethodNotAllowed, "MethodNotAllowed", `is not supported on resources of kind "pods"`)
	k.wantStatus(http.MethodPost, "/apis/apps/v1/deployments", k.admin, http.StatusMethodNotAllowed, "MethodNotAllowed", `resources of kind "deployments.apps"`)

	// A read-only token reads the rest.
	for _, path := range []string{"/api/v1/namespaces/default/pods", "/apis/apps/v1/deployments", "/api/v1/nodes", "/api/v1/namespaces/default/events", "/apis"} {
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
