package apiserver

import (
	"encoding/json"
	"errors"
	"log/slog"
	"net/http"
	"strings"
	"testing"

	"github.com/labstack/echo/v4"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/podman-swarm/podman-swarm/agent/kubeapi"
	"github.com/podman-swarm/podman-swarm/api"
	"github.com/podman-swarm/podman-swarm/manifest"
)

// The project's errors become the API server's Statuses: a manifest's problems a 422
// Invalid with a cause per field, worded as apierrors words field errors; a document that
// is no object a 400; the project's HTTP errors keep their code and get its reason.
func TestKubeErrors(t *testing.T) {
	deployments := resource(t, "apps", "deployments")
	me := manifest.Errors{
		{Field: "spec.replicas", Reason: "Invalid value: -3: must be greater than or equal to 0"},
		{Field: "spec.template.spec.containers[0].image", Reason: "Required value: every container needs an image"},
	}
	st := kubeError(me, deployments, "web").Status()
	if st.Code != 422 || st.Reason != metav1.StatusReasonInvalid {
		t.Fatalf("manifest errors: %d %s", st.Code, st.Reason)
	}
	want := `Deployment.apps "web" is invalid: [spec.replicas: Invalid value: -3: must be greater than or equal to 0, spec.template.spec.containers[0].image: Required value: every container needs an image]`
	if st.Message != want {
		t.Errorf("message:\n%s\nwant:\n%s", st.Message, want)
	}
	d := st.Details
	if d == nil || d.Name != "web" || d.Group != "apps" || d.Kind != "Deployment" || len(d.Causes) != 2 {
		t.Fatalf("details: %+v", d)
	}
	if c := d.Causes[0]; c.Type != metav1.CauseTypeFieldValueInvalid || c.Field != "spec.replicas" || !strings.HasPrefix(c.Message, "Invalid value: -3") {
		t.Errorf("first cause: %+v", c)
	}
	if c := d.Causes[1]; c.Type != metav1.CauseTypeFieldValueRequired {
		t.Errorf("second cause: %+v", c)
	}
	one := kubeError(me[:1], deployments, "web").Status()
	if one.Message != `Deployment.apps "web" is invalid: spec.replicas: Invalid value: -3: must be greater than or equal to 0` {
		t.Errorf("one problem: %s", one.Message)
	}

	missing := manifest.Errors{{Field: "metadata.namespace", Reason: manifest.NamespaceNotFound("shop")}}
	if st := kubeError(missing, deployments, "web").Status(); st.Code != 404 || st.Reason != metav1.StatusReasonNotFound ||
		st.Details.Name != "shop" || st.Details.Kind != "namespaces" || !strings.HasPrefix(st.Message, `namespaces "shop" not found`) {
		t.Errorf("a namespace that does not exist: %+v", st)
	}
	closing := manifest.Errors{{Field: "metadata.namespace", Reason: manifest.NamespaceTerminating(groupResource(deployments), "web", "shop")}}
	if st := kubeError(closing, deployments, "web").Status(); st.Code != 403 || st.Reason != metav1.StatusReasonForbidden ||
		st.Message != `deployments.apps "web" is forbidden: unable to create new content in namespace shop because it is being terminated` {
		t.Errorf("a namespace being deleted: %+v", st)
	}
	malformed := manifest.Errors{{Reason: "not YAML", Malformed: true}}
	if st := kubeError(malformed, deployments, "web").Status(); st.Code != 400 || st.Reason != metav1.StatusReasonBadRequest {
		t.Errorf("a malformed document: %d %s", st.Code, st.Reason)
	}
	for code, reason := range map[int]metav1.StatusReason{
		404: metav1.StatusReasonNotFound, 409: metav1.StatusReasonConflict, 413: metav1.StatusReasonRequestEntityTooLarge,
		415: metav1.StatusReasonUnsupportedMediaType, 503: metav1.StatusReasonServiceUnavailable, 507: metav1.StatusReasonInternalError,
		500: metav1.StatusReasonInternalError, 403: metav1.StatusReasonForbidden,
	} {
		st := kubeError(echo.NewHTTPError(code, "because"), deployments, "web").Status()
		if int(st.Code) != code || st.Reason != reason || st.Message != "because" || st.Status != metav1.StatusFailure {
			t.Errorf("HTTP %d: %+v", code, st)
		}
	}
	nf := apierrors.NewNotFound(groupResource(deployments), "web")
	if got := kubeError(nf, deployments, "x"); got != nf {
		t.Errorf("a Status error is not answered as it is: %v", got)
	}
	if got := conflictError(deployments, "web").Error(); got != `Operation cannot be fulfilled on deployments.apps "web": the object has been modified; please apply your changes to the latest version and try again` {
		t.Errorf("conflict: %s", got)
	}
}

// An error a stream's handler returns is a Status: a status error as it is, the project's
// HTTP errors with the reason of their code (a node out of reach unavailable), anything
// else an internal error.
func TestStreamStatusError(t *testing.T) {
	for _, c := range []struct {
		err    error
		code   int32
		reason metav1.StatusReason
		msg    string
	}{
		{apierrors.NewNotFound(streamPods, "web-1"), 404, metav1.StatusReasonNotFound, `pods "web-1" not found`},
		{echo.NewHTTPError(http.StatusConflict, "node n1 runs no pods"), 409, metav1.StatusReasonConflict, "node n1 runs no pods"},
		{echo.NewHTTPError(http.StatusBadGateway, "n0 passed this request on"), 502, metav1.StatusReasonServiceUnavailable, "n0 passed this request on"},
		{echo.NewHTTPError(http.StatusForbidden, "read-only"), 403, metav1.StatusReasonForbidden, "read-only"},
		{echo.NewHTTPError(http.StatusUnauthorized, "needs a token"), 401, metav1.StatusReasonUnauthorized, "needs a token"},
		{errors.New("journalctl failed"), 500, metav1.StatusReasonInternalError, "Internal error occurred: journalctl failed"},
	} {
		st := kubeError(c.err, kubeapi.Resource{}, "").Status()
		if st.Code != c.code || st.Reason != c.reason || st.Message != c.msg || st.Status != metav1.StatusFailure {
			t.Errorf("%v: %+v", c.err, st)
		}
	}
}

// The server's one error handler answers every error on a path of the compatible API as a
// Status, a refusal of rights included, whichever route (a read, a write, a stream, the
// project's own route at a path Kubernetes has too) raised it; the swarm CLI reads the
// message of those on the shared paths as an error's; the project's own paths keep their
// errors.
func TestErrorHandler(t *testing.T) {
	a := &Server{log: slog.New(slog.DiscardHandler)}
	status := func(t *testing.T, what string, body []byte) metav1.Status {
		t.Helper()
		var st metav1.Status
		if err := json.Unmarshal(body, &st); err != nil || st.Kind != "Status" || st.APIVersion != "v1" || st.Status != metav1.StatusFailure {
			t.Errorf("%s: not a failed Status: %s", what, body)
		}
		return st
	}
	for _, tc := range []struct {
		method, path string
		err          error
		code         int
		reason       metav1.StatusReason
		msg          string
	}{
		{http.MethodPost, "/apis/apps/v1/namespaces/default/deployments", echo.NewHTTPError(http.StatusForbidden, "the API token t is read-only"),
			403, metav1.StatusReasonForbidden, "the API token t is read-only"},
		{http.MethodGet, "/api/v1/namespaces/default/pods", echo.NewHTTPError(http.StatusUnauthorized, "this API needs a token"),
			401, metav1.StatusReasonUnauthorized, "this API needs a token"},
		{http.MethodGet, "/api/v1/namespaces/default/pods/web-1/log", apierrors.NewNotFound(streamPods, "web-1"),
			404, metav1.StatusReasonNotFound, `pods "web-1" not found`},
		{http.MethodPost, "/api/v1/namespaces/default/pods/web-1/exec", echo.NewHTTPError(http.StatusBadGateway, "n0 passed this request on"),
			502, metav1.StatusReasonServiceUnavailable, "n0 passed this request on"},
		{http.MethodGet, "/openapi/v2", echo.ErrNotFound, 404, metav1.StatusReasonNotFound, "the server could not find the requested resource"},
		{http.MethodGet, "/apis/apps/v1/namespaces/default/controllerrevisions", echo.ErrNotFound, 404, metav1.StatusReasonNotFound, "the server could not find the requested resource"},
		{http.MethodPost, "/apis/apps/v1/deployments", echo.ErrNotFound, 405, metav1.StatusReasonMethodNotAllowed, `post is not supported on resources of kind "deployments.apps"`},
		{http.MethodPut, "/api/v1/pods", echo.ErrMethodNotAllowed, 405, metav1.StatusReasonMethodNotAllowed, `put is not supported on resources of kind "pods"`},
		// A 405 of a handler keeps its words.
		{http.MethodDelete, "/api/v1/namespaces/default/pods/web-1", echo.NewHTTPError(http.StatusMethodNotAllowed, "Deployment web makes its pods from its template"),
			405, metav1.StatusReasonMethodNotAllowed, "Deployment web makes its pods from its template"},
		{http.MethodPost, "/apis/apps/v1/namespaces/default/deployments", manifest.Errors{{Field: "spec.replicas", Reason: "Invalid value: -3: must be greater than or equal to 0"}},
			422, metav1.StatusReasonInvalid, `Deployment.apps "" is invalid: spec.replicas: Invalid value: -3`},
		{http.MethodGet, "/apis", errors.New("boom"), 500, metav1.StatusReasonInternalError, "Internal error occurred: boom"},
	} {
		c, rec := testContext(tc.method, tc.path, "", "")
		a.errorHandler(tc.err, c)
		what := tc.method + " " + tc.path
		if st := status(t, what, rec.Body.Bytes()); rec.Code != tc.code || int(st.Code) != tc.code || st.Reason != tc.reason || !strings.HasPrefix(st.Message, tc.msg) {
			t.Errorf("%s: %d %+v, want %d %s %q", what, rec.Code, st, tc.code, tc.reason, tc.msg)
		}
	}

	// A path the project's own routes share with Kubernetes: the Status is the CLI's error.
	c, rec := testContext(http.MethodDelete, "/api/v1/namespaces/nope", "", "")
	a.errorHandler(apierrors.NewNotFound(namespacesResource, "nope"), c)
	var e api.APIError
	if err := json.Unmarshal(rec.Body.Bytes(), &e); err != nil || rec.Code != 404 || e.Message != `namespaces "nope" not found` ||
		status(t, "shared 404", rec.Body.Bytes()).Reason != metav1.StatusReasonNotFound {
		t.Errorf("shared 404: %d %s %v", rec.Code, rec.Body, err)
	}
	// The project's own paths answer its own errors, a refusal of rights and echo's among them.
	for _, err := range []error{echo.NewHTTPError(http.StatusForbidden, "read-only"), echo.ErrNotFound} {
		c, rec = testContext(http.MethodGet, "/api/v1/deployments/default/web", "", "")
		a.errorHandler(err, c)
		var raw map[string]any
		if json.Unmarshal(rec.Body.Bytes(), &raw) != nil || raw["kind"] != nil || raw["message"] == nil || rec.Code != err.(*echo.HTTPError).Code {
			t.Errorf("the project's %v: %d %s", err, rec.Code, rec.Body)
		}
	}
	// An answer already on its way is left as it is.
	c, rec = testContext(http.MethodGet, "/api/v1/namespaces/default/pods/web-1/log", "", "")
	_ = c.String(http.StatusOK, "a line\n")
	a.errorHandler(errors.New("the log broke off"), c)
	if rec.Code != http.StatusOK || rec.Body.String() != "a line\n" {
		t.Errorf("an answer begun: %d %q", rec.Code, rec.Body)
	}
}
