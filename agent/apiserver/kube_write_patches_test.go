package apiserver

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/labstack/echo/v4"
	appsv1 "k8s.io/api/apps/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// testContext is an echo context of a request with body and contentType, and its recorder.
func testContext(method, target, contentType, body string) (echo.Context, *httptest.ResponseRecorder) {
	req := httptest.NewRequest(method, target, strings.NewReader(body))
	if contentType != "" {
		req.Header.Set("Content-Type", contentType)
	}
	rec := httptest.NewRecorder()
	return echo.New().NewContext(req, rec), rec
}

const patchedDeployment = `{"apiVersion":"apps/v1","kind":"Deployment","metadata":{"name":"web","namespace":"default","resourceVersion":"7"},
"spec":{"replicas":2,"template":{"spec":{"containers":[{"name":"web","image":"web:1"},{"name":"log","image":"log:1"}]}}}}`

func deployment(t *testing.T, doc []byte) appsv1.Deployment {
	t.Helper()
	var d appsv1.Deployment
	if err := json.Unmarshal(doc, &d); err != nil {
		t.Fatalf("decode %s: %v", doc, err)
	}
	return d
}

// Each patch applies as the API server applies it, and a strategic merge patch merges
// containers by name, as the kind's Go type says.
func TestApplyKubePatch(t *testing.T) {
	schema := mergeStructs["Deployment"]
	out, err := applyKubePatch(jsonPatchType, []byte(patchedDeployment), []byte(`[{"op":"replace","path":"/spec/replicas","value":5}]`), schema)
	if err != nil || *deployment(t, out).Spec.Replicas != 5 {
		t.Errorf("JSON patch: %s %v", out, err)
	}
	out, err = applyKubePatch(mergePatchType, []byte(patchedDeployment), []byte(`{"metadata":{"labels":{"a":"b"}},"spec":{"replicas":null}}`), schema)
	if d := deployment(t, out); err != nil || d.Labels["a"] != "b" || d.Spec.Replicas != nil || len(d.Spec.Template.Spec.Containers) != 2 {
		t.Errorf("merge patch: %s %v", out, err)
	}
	out, err = applyKubePatch(strategicMergePatch, []byte(patchedDeployment),
		[]byte(`{"spec":{"template":{"spec":{"containers":[{"name":"web","image":"web:2"}]}}}}`), schema)
	cs := deployment(t, out).Spec.Template.Spec.Containers
	if err != nil || len(cs) != 2 || cs[0].Image != "web:2" || cs[1].Image != "log:1" {
		t.Errorf("strategic merge patch: %s %v", out, err)
	}
	// A merge patch replaces lists whole.
	out, _ = applyKubePatch(mergePatchType, []byte(patchedDeployment), []byte(`{"spec":{"template":{"spec":{"containers":[{"name":"web","image":"web:2"}]}}}}`), schema)
	if cs := deployment(t, out).Spec.Template.Spec.Containers; len(cs) != 1 {
		t.Errorf("a merge patch merged a list: %v", cs)
	}
}

// Malformed patches get the API server's codes: 400 for a patch that cannot be read, 422
// for one that does not apply or leaves no object, 413 for too many operations. (A
// strategic merge patch with an unknown directive is a 500 from the API server, which
// takes an error it does not know for its own; here it is the patch's: 422.)
func TestMalformedPatches(t *testing.T) {
	deployments := resource(t, "apps", "deployments")
	patch := func(patchType, p string) error {
		out, err := applyKubePatch(patchType, []byte(patchedDeployment), []byte(p), mergeStructs["Deployment"])
		if err == nil {
			_, err = patchedObject(out, deployments, "default", "web", "7")
		}
		return err
	}
	many := "[" + strings.Repeat(`{"op":"test","path":"/a","value":1},`, maxJSONPatchOperations) + `{"op":"test","path":"/a","value":1}]`
	for _, tc := range []struct {
		name, patchType, patch string
		code                   int32
		reason                 metav1.StatusReason
	}{
		{"JSON patch not JSON", jsonPatchType, `[{"op":`, 400, metav1.StatusReasonBadRequest},
		{"JSON patch an object", jsonPatchType, `{"op":"add"}`, 400, metav1.StatusReasonBadRequest},
		{"JSON patch on a missing path", jsonPatchType, `[{"op":"replace","path":"/spec/nope/x","value":1}]`, 422, metav1.StatusReasonInvalid},
		{"JSON patch an unknown op", jsonPatchType, `[{"op":"frobnicate","path":"/spec"}]`, 422, metav1.StatusReasonInvalid},
		{"JSON patch test fails", jsonPatchType, `[{"op":"test","path":"/spec/replicas","value":3}]`, 422, metav1.StatusReasonInvalid},
		{"JSON patch too long", jsonPatchType, many, 413, metav1.StatusReasonRequestEntityTooLarge},
		{"merge patch not JSON", mergePatchType, `{"spec":`, 400, metav1.StatusReasonBadRequest},
		{"merge patch a list", mergePatchType, `[1,2]`, 422, metav1.StatusReasonInvalid},
		{"strategic patch not JSON", strategicMergePatch, `{"spec":`, 400, metav1.StatusReasonBadRequest},
		{"strategic patch null", strategicMergePatch, `null`, 400, metav1.StatusReasonBadRequest},
		{"strategic patch a list", strategicMergePatch, `[1]`, 400, metav1.StatusReasonBadRequest},
		{"strategic patch a bad directive", strategicMergePatch, `{"spec":{"template":{"spec":{"containers":[{"$patch":"frobnicate","name":"web"}]}}}}`, 422, metav1.StatusReasonInvalid},
	} {
		err := patch(tc.patchType, tc.patch)
		var se *apierrors.StatusError
		if !errorAs(err, &se) || se.ErrStatus.Code != tc.code || se.ErrStatus.Reason != tc.reason {
			t.Errorf("%s: %v, want %d %s", tc.name, err, tc.code, tc.reason)
		}
	}
}

func errorAs(err error, se **apierrors.StatusError) bool {
	s, ok := err.(*apierrors.StatusError)
	*se = s
	return ok
}

// A patch's result keeps its object: a resourceVersion the patch sets must be the current
// one (409), its name and namespace and kind must stay (400).
func TestPatchedObject(t *testing.T) {
	deployments := resource(t, "apps", "deployments")
	if _, err := patchedObject([]byte(patchedDeployment), deployments, "default", "web", "7"); err != nil {
		t.Errorf("the current version: %v", err)
	}
	if _, err := patchedObject([]byte(patchedDeployment), deployments, "default", "web", "8"); !apierrors.IsConflict(err) {
		t.Errorf("a stale version: %v", err)
	}
	renamed := strings.Replace(patchedDeployment, `"name":"web"`, `"name":"api"`, 1)
	if _, err := patchedObject([]byte(renamed), deployments, "default", "web", "7"); !apierrors.IsBadRequest(err) {
		t.Errorf("renamed: %v", err)
	}
	moved := strings.Replace(patchedDeployment, `"namespace":"default"`, `"namespace":"shop"`, 1)
	if _, err := patchedObject([]byte(moved), deployments, "default", "web", "7"); !apierrors.IsBadRequest(err) {
		t.Errorf("moved: %v", err)
	}
	rekinded := strings.Replace(patchedDeployment, `"kind":"Deployment"`, `"kind":"DaemonSet"`, 1)
	if _, err := patchedObject([]byte(rekinded), deployments, "default", "web", "7"); !apierrors.IsBadRequest(err) {
		t.Errorf("of another kind: %v", err)
	}
	if _, err := patchedObject([]byte(`"text"`), deployments, "default", "web", "7"); !apierrors.IsInvalid(err) {
		t.Errorf("not an object: %v", err)
	}
}

// A PATCH names its patch's media type: any other, or none, is a 415.
func TestPatchMediaType(t *testing.T) {
	for ct, want := range map[string]string{
		"application/merge-patch+json":                 mergePatchType,
		"application/json-patch+json; charset=utf-8":   jsonPatchType,
		"application/strategic-merge-patch+json":       strategicMergePatch,
		"application/apply-patch+yaml":                 applyPatchType,
		"application/json":                             "",
		"":                                             "",
		"application/vnd.kubernetes.protobuf":          "",
		"application/apply-patch+cbor":                 "",
		"Application/Merge-Patch+JSON; charset=utf-8 ": mergePatchType,
	} {
		c, _ := testContext(http.MethodPatch, "/", ct, "")
		got, err := patchMediaType(c)
		if got != want || (want == "" && !isUnsupported(err)) {
			t.Errorf("%q: %q %v, want %q", ct, got, err, want)
		}
	}
}

func isUnsupported(err error) bool {
	return apierrors.ReasonForError(err) == metav1.StatusReasonUnsupportedMediaType
}

// An apply configuration that sets metadata alone is merged; any other is a whole object.
func TestMetadataOnly(t *testing.T) {
	if !metadataOnly(map[string]any{"apiVersion": "v1", "kind": "ConfigMap", "metadata": map[string]any{}}) {
		t.Error("metadata alone")
	}
	if metadataOnly(map[string]any{"metadata": map[string]any{}, "data": map[string]any{}}) {
		t.Error("data too")
	}
}
