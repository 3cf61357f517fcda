package kubectl_test

import (
	"encoding/json"
	"regexp"
	"strings"
	"testing"
	"time"
)

// A read-only token reads everything but the Secrets, which kubectl reports forbidden; a
// malformed selector is the API's 400, on any node.
func TestKubectlReadOnlyToken(t *testing.T) {
	c := startCluster(t, 2)
	c.apply(shopManifest)
	reader := c.nodes[1].roKubeconfig
	eventually(t, 10*time.Second, "the second node has the objects", func() bool {
		out, _, _ := c.runWith(reader, "get", "deployments", "-n", "shop", "-o", "name")
		return out == "deployment.apps/web\n"
	})
	for _, args := range [][]string{{"get", "all", "-A"}, {"get", "configmaps", "-n", "shop"}, {"get", "nodes"}, {"get", "namespaces"},
		{"describe", "deployment", "web", "-n", "shop"}, {"get", "events", "-A"}, {"api-resources"}} {
		if out, errOut, err := c.runWith(reader, args...); err != nil {
			t.Errorf("kubectl %s with a read-only token: %v\n%s%s", strings.Join(args, " "), err, out, errOut)
		}
	}
	c.mustFail(reader, "Error from server (Forbidden)", "get", "secrets", "-n", "shop")
	c.mustFail(reader, "is read-only: reading a secret needs a token with full rights", "get", "secret", "creds", "-n", "shop")
	c.mustFail(reader, "Error from server (BadRequest)", "get", "pods", "-A", "-l", "app in (web")
	c.mustFail(reader, "field label not supported: spec.foo", "get", "pods", "-A", "--field-selector", "spec.foo=bar")
	c.mustFail(c.kubeconfig(c.nodes[1], "swarmapi-0000000000000000.wrong"), "error: You must be logged in to the server", "get", "pods")
}

// A read-only token reads, and is refused every write with 403, as a Status.
func TestWriteReadOnlyToken(t *testing.T) {
	w := startCluster(t, 1).nodes[0]
	w.must(confYAML, "apply", "-f", "-")
	w.must(webYAML, "apply", "-f", "-")
	if out, errOut, err := w.kubectlRO("get", "configmap", "conf", "-o", "name"); err != nil || out != "configmap/conf\n" {
		t.Fatalf("read-only get: %v %s", err, errOut)
	}
	for _, cmd := range []struct {
		stdin string
		args  []string
	}{
		{strings.Replace(confYAML, `a: "1"`, `a: "2"`, 1), []string{"apply", "-f", "-"}},
		{strings.Replace(confYAML, "name: conf", "name: new", 1), []string{"create", "-f", "-"}},
		{"", []string{"patch", "configmap", "conf", "--type", "merge", "-p", `{"data":{"x":"y"}}`}},
		{"", []string{"label", "configmap", "conf", "x=y"}},
		{"", []string{"annotate", "configmap", "conf", "x=y"}},
		{"", []string{"scale", "deployment/web", "--replicas=5"}},
		{"", []string{"rollout", "restart", "deployment/web"}},
		{"", []string{"delete", "configmap", "conf"}},
		{"", []string{"cordon", "n0"}},
		{"", []string{"create", "namespace", "ro"}},
	} {
		// kubectl cordon says it failed but exits 0: the refusal is in what it says.
		_, errOut, err := w.run(w.roKubeconfig, cmd.stdin, cmd.args...)
		if (err == nil && cmd.args[0] != "cordon") || !strings.Contains(errOut, "is read-only") {
			t.Errorf("read-only %v: %v %s", cmd.args, err, errOut)
		}
	}
	// Raw, every kind of write route answers 403 with a Status.
	for _, r := range []struct{ method, path, ct string }{
		{"POST", "/api/v1/namespaces/default/configmaps", "application/json"},
		{"PUT", "/api/v1/namespaces/default/configmaps/conf", "application/json"},
		{"PATCH", "/api/v1/namespaces/default/configmaps/conf", "application/merge-patch+json"},
		{"DELETE", "/api/v1/namespaces/default/configmaps/conf", ""},
		{"PUT", "/apis/apps/v1/namespaces/default/deployments/web/scale", "application/json"},
		{"PATCH", "/apis/apps/v1/namespaces/default/deployments/web/scale", "application/merge-patch+json"},
		{"PUT", "/api/v1/nodes/n0", "application/json"},
		{"PATCH", "/api/v1/nodes/n0", "application/strategic-merge-patch+json"},
		{"DELETE", "/api/v1/nodes/n0", ""},
		{"DELETE", "/api/v1/namespaces/default", ""},
		{"POST", "/api/v1/namespaces", "application/json"},
	} {
		code, body := w.doAs(w.c.readOnly, r.method, r.path, r.ct, "{}")
		var st struct{ Kind, Reason, Message string }
		if code != 403 || json.Unmarshal(body, &st) != nil || st.Kind != "Status" || st.Reason != "Forbidden" ||
			!regexp.MustCompile(`^the API token \S+ is read-only: \w+ an? \w+ needs a token with full rights$`).MatchString(st.Message) {
			t.Errorf("read-only %s %s: HTTP %d %s", r.method, r.path, code, body)
		}
	}
	if out := w.must("", "get", "configmap", "conf", "-o", "jsonpath={.data}"); out != `{"a":"1"}` {
		t.Errorf("the configmap after the refused writes: %s", out)
	}
	if out := w.must("", "get", "node", "n0", "-o", "jsonpath={.spec.unschedulable}"); out != "" {
		t.Errorf("the node after the refused cordon: unschedulable %q", out)
	}
}
