package kubectl_test

import (
	"encoding/json"
	"fmt"
	"strings"
	"testing"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// wantStatus decodes a Status answer, failing the test when the answer is not one with code
// and reason.
func wantStatus(t *testing.T, what string, code int, body []byte, wantCode int, wantReason metav1.StatusReason) metav1.Status {
	t.Helper()
	var st metav1.Status
	if err := json.Unmarshal(body, &st); err != nil || st.Kind != "Status" || st.APIVersion != "v1" {
		t.Errorf("%s: HTTP %d, not a Status: %s", what, code, body)
		return st
	}
	if code != wantCode || int(st.Code) != wantCode || st.Reason != wantReason || st.Status != metav1.StatusFailure {
		t.Errorf("%s: HTTP %d %s (code %d), want %d %s: %s", what, code, st.Reason, st.Code, wantCode, wantReason, st.Message)
	}
	return st
}

const deployPath = "/apis/apps/v1/namespaces/default/deployments"

// Bad writes get the API server's Statuses: every malformed patch its code, a stale
// resourceVersion 409 Conflict in Kubernetes' words, a name in use 409 AlreadyExists, an
// object that names another namespace or name 400, an invalid object 422 with a cause per
// field, a body of a type nothing takes 415, a write of a status 405.
func TestWriteBadRequestsGetStatuses(t *testing.T) {
	w := startCluster(t, 1).nodes[0]
	w.must(webYAML, "apply", "-f", "-")
	web := deployPath + "/web"

	for _, tc := range []struct {
		name, ct, patch string
		code            int
		reason          metav1.StatusReason
	}{
		{"JSON patch not JSON", "application/json-patch+json", `[{"op":`, 400, metav1.StatusReasonBadRequest},
		{"JSON patch an object", "application/json-patch+json", `{"op":"add"}`, 400, metav1.StatusReasonBadRequest},
		{"JSON patch on a missing path", "application/json-patch+json", `[{"op":"replace","path":"/spec/nope/x","value":1}]`, 422, metav1.StatusReasonInvalid},
		{"JSON patch test fails", "application/json-patch+json", `[{"op":"test","path":"/spec/replicas","value":7}]`, 422, metav1.StatusReasonInvalid},
		{"JSON patch leaves a string", "application/json-patch+json", `[{"op":"replace","path":"","value":"x"}]`, 422, metav1.StatusReasonInvalid},
		{"merge patch not JSON", "application/merge-patch+json", `{"spec":`, 400, metav1.StatusReasonBadRequest},
		{"merge patch a list", "application/merge-patch+json", `[1]`, 422, metav1.StatusReasonInvalid},
		{"merge patch of a wrong type", "application/merge-patch+json", `{"spec":{"replicas":"many"}}`, 422, metav1.StatusReasonInvalid},
		{"merge patch an unknown field", "application/merge-patch+json", `{"spec":{"replicaz":3}}`, 422, metav1.StatusReasonInvalid},
		{"merge patch an invalid value", "application/merge-patch+json", `{"spec":{"replicas":-1}}`, 422, metav1.StatusReasonInvalid},
		{"strategic patch not JSON", "application/strategic-merge-patch+json", `{`, 400, metav1.StatusReasonBadRequest},
		{"strategic patch null", "application/strategic-merge-patch+json", `null`, 400, metav1.StatusReasonBadRequest},
		{"strategic patch a list for an object", "application/strategic-merge-patch+json", `{"spec":{"template":[1]}}`, 422, metav1.StatusReasonInvalid},
		{"strategic patch renames", "application/strategic-merge-patch+json", `{"metadata":{"name":"api"}}`, 400, metav1.StatusReasonBadRequest},
		{"strategic patch moves", "application/strategic-merge-patch+json", `{"metadata":{"namespace":"kube-system"}}`, 400, metav1.StatusReasonBadRequest},
		{"strategic patch changes the kind", "application/strategic-merge-patch+json", `{"kind":"DaemonSet"}`, 400, metav1.StatusReasonBadRequest},
		{"apply configuration not YAML", "application/apply-patch+yaml", "a: [", 400, metav1.StatusReasonBadRequest},
		{"no patch type", "application/json", `{}`, 415, metav1.StatusReasonUnsupportedMediaType},
		{"no content type", "", `{}`, 415, metav1.StatusReasonUnsupportedMediaType},
	} {
		path := web
		if tc.ct == "application/apply-patch+yaml" {
			path += "?fieldManager=test"
		}
		code, body := w.do("PATCH", path, tc.ct, tc.patch)
		wantStatus(t, tc.name, code, body, tc.code, tc.reason)
	}
	if code, body := w.do("PATCH", web, "application/apply-patch+yaml", webYAML); code != 422 ||
		!strings.Contains(string(body), "fieldManager: Required value: is required for apply patch") {
		t.Errorf("an apply without a field manager: HTTP %d %s", code, body)
	}
	if code, body := w.do("PATCH", deployPath+"/nope", "application/merge-patch+json", `{}`); code != 404 ||
		wantStatus(t, "a patch of nothing", code, body, 404, metav1.StatusReasonNotFound).Message != `deployments.apps "nope" not found` {
		t.Errorf("a patch of nothing: HTTP %d %s", code, body)
	}

	// A stale resourceVersion: a PUT, a patch that sets one, a Scale, a delete's precondition.
	_, live := w.do("GET", web, "", "")
	var obj map[string]any
	if err := json.Unmarshal(live, &obj); err != nil {
		t.Fatal(err)
	}
	rv := obj["metadata"].(map[string]any)["resourceVersion"].(string)
	w.must("", "label", "deployment", "web", "changed=yes") // the version read is stale now
	stale, _ := json.Marshal(obj)
	conflict := `Operation cannot be fulfilled on deployments.apps "web": the object has been modified; please apply your changes to the latest version and try again`
	code, body := w.do("PUT", web, "application/json", string(stale))
	if st := wantStatus(t, "a stale PUT", code, body, 409, metav1.StatusReasonConflict); st.Message != conflict ||
		st.Details == nil || st.Details.Name != "web" || st.Details.Group != "apps" || st.Details.Kind != "deployments" {
		t.Errorf("a stale PUT: %+v", st)
	}
	code, body = w.do("PATCH", web, "application/merge-patch+json", fmt.Sprintf(`{"metadata":{"resourceVersion":%q},"spec":{"replicas":5}}`, rv))
	wantStatus(t, "a stale merge patch", code, body, 409, metav1.StatusReasonConflict)
	code, body = w.do("PATCH", web, "application/json-patch+json", fmt.Sprintf(`[{"op":"test","path":"/metadata/resourceVersion","value":%q}]`, rv))
	wantStatus(t, "a JSON patch that tests a stale version", code, body, 422, metav1.StatusReasonInvalid)
	code, body = w.do("PUT", web+"/scale", "application/json", fmt.Sprintf(`{"metadata":{"name":"web","resourceVersion":%q},"spec":{"replicas":5}}`, rv))
	wantStatus(t, "a stale Scale", code, body, 409, metav1.StatusReasonConflict)
	code, body = w.do("DELETE", web, "application/json", fmt.Sprintf(`{"preconditions":{"resourceVersion":%q}}`, rv))
	wantStatus(t, "a delete with a stale precondition", code, body, 409, metav1.StatusReasonConflict)
	code, body = w.do("DELETE", web, "application/json", `{"preconditions":{"uid":"not-its-uid"}}`)
	wantStatus(t, "a delete with another uid", code, body, 409, metav1.StatusReasonConflict)
	if out := w.must("", "get", "deployment", "web", "-o", "jsonpath={.spec.replicas}"); out != "2" {
		t.Errorf("replicas after the refused writes: %s", out)
	}

	// Creates and replaces that do not fit their request.
	for _, tc := range []struct {
		name, method, path, ct, body string
		code                         int
		reason                       metav1.StatusReason
	}{
		{"a name in use", "POST", deployPath, "application/yaml", webYAML, 409, metav1.StatusReasonAlreadyExists},
		{"a namespace that does not exist", "POST", "/apis/apps/v1/namespaces/nope/deployments", "application/yaml", webYAML, 404, metav1.StatusReasonNotFound},
		{"another namespace", "POST", deployPath, "application/yaml", strings.Replace(webYAML, "name: web", "name: x\n  namespace: other", 1), 400, metav1.StatusReasonBadRequest},
		{"another kind", "POST", deployPath, "application/json", `{"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"x"}}`, 400, metav1.StatusReasonBadRequest},
		{"not an object", "POST", deployPath, "application/json", `[1,2]`, 400, metav1.StatusReasonBadRequest},
		{"not JSON", "POST", deployPath, "application/json", `{"metadata":`, 400, metav1.StatusReasonBadRequest},
		{"protobuf that is not", "POST", deployPath, "application/vnd.kubernetes.protobuf", "junk", 400, metav1.StatusReasonBadRequest},
		{"a media type nothing takes", "POST", deployPath, "text/csv", "a,b", 415, metav1.StatusReasonUnsupportedMediaType},
		{"a replace of another name", "PUT", web, "application/yaml", strings.Replace(webYAML, "name: web", "name: api", 1), 400, metav1.StatusReasonBadRequest},
		{"a replace of nothing", "PUT", deployPath + "/api", "application/yaml", strings.Replace(webYAML, "name: web", "name: api", 1), 404, metav1.StatusReasonNotFound},
		{"a write of a status", "PUT", web + "/status", "application/json", `{}`, 405, metav1.StatusReasonMethodNotAllowed},
		{"a patch of a status", "PATCH", web + "/status", "application/merge-patch+json", `{}`, 405, metav1.StatusReasonMethodNotAllowed},
		{"a negative scale", "PATCH", web + "/scale", "application/merge-patch+json", `{"spec":{"replicas":-2}}`, 422, metav1.StatusReasonInvalid},
		{"a scale of nothing", "GET", deployPath + "/nope/scale", "", "", 404, metav1.StatusReasonNotFound},
		{"an unknown dry run", "POST", deployPath + "?dryRun=Some", "application/yaml", webYAML, 422, metav1.StatusReasonInvalid},
		{"an unknown propagation", "DELETE", web + "?propagationPolicy=Sideways", "", "", 422, metav1.StatusReasonInvalid},
	} {
		code, body := w.do(tc.method, tc.path, tc.ct, tc.body)
		wantStatus(t, tc.name, code, body, tc.code, tc.reason)
	}

	// An invalid object: 422 with a cause per field, in the manifest's words.
	invalid := strings.Replace(strings.Replace(webYAML, "name: web", "name: bad", 1), "replicas: 2", "replicas: -3", 1)
	invalid = strings.Replace(invalid, "image: localhost/web:1", "image: ''", 1)
	code, body = w.do("POST", deployPath, "application/yaml", invalid)
	st := wantStatus(t, "an invalid Deployment", code, body, 422, metav1.StatusReasonInvalid)
	if st.Details == nil || st.Details.Kind != "Deployment" || st.Details.Group != "apps" || st.Details.Name != "bad" || len(st.Details.Causes) != 2 {
		t.Fatalf("details of the invalid Deployment: %s", body)
	}
	fields := map[string]metav1.CauseType{}
	for _, c := range st.Details.Causes {
		fields[c.Field] = c.Type
	}
	if fields["spec.replicas"] != metav1.CauseTypeFieldValueInvalid || fields["spec.template.spec.containers[0].image"] != metav1.CauseTypeFieldValueRequired {
		t.Errorf("causes: %+v", st.Details.Causes)
	}
	if !strings.HasPrefix(st.Message, `Deployment.apps "bad" is invalid: [`) {
		t.Errorf("message: %s", st.Message)
	}
	if code, _ := w.do("GET", deployPath+"/bad", "", ""); code != 404 {
		t.Errorf("the invalid Deployment was stored: HTTP %d", code)
	}
}
