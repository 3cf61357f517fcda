package kubectl_test

import (
	"encoding/json"
	"strings"
	"testing"
	"time"
)

// kubectl scale, wait, rollout status, restart, pause and resume, set image; rollout undo
// and history need ReplicaSets, which are not served: they fail with kubectl's message
// for a resource the server does not have.
func TestWriteScaleAndRollout(t *testing.T) {
	c := startCluster(t, 1)
	w := c.nodes[0]
	// Replicas the configuration leaves to the scale.
	noReplicas := strings.Replace(webYAML, "  replicas: 2\n", "", 1)
	w.must(noReplicas, "apply", "-f", "-")
	ready := func(n int) {
		t.Helper()
		eventually(t, 20*time.Second, "the pods placed and ready", func() bool {
			if c.reportReady("web-") != n {
				return false
			}
			var d struct {
				Status struct{ Replicas, UpdatedReplicas, AvailableReplicas int }
			}
			out, _, err := w.kubectl("", "get", "deployment", "web", "-o", "json")
			return err == nil && json.Unmarshal([]byte(out), &d) == nil && d.Status.Replicas == n &&
				d.Status.UpdatedReplicas == n && d.Status.AvailableReplicas == n
		})
	}
	ready(1)
	if out := w.must("", "wait", "--for=condition=Available", "deployment/web", "--timeout=30s"); out != "deployment.apps/web condition met\n" {
		t.Errorf("wait: %q", out)
	}
	if out := w.must("", "rollout", "status", "deployment/web", "--timeout=30s"); out != `deployment "web" successfully rolled out`+"\n" {
		t.Errorf("rollout status: %q", out)
	}
	if out := w.must("", "scale", "deployment/web", "--replicas=3"); out != "deployment.apps/web scaled\n" {
		t.Errorf("scale: %q", out)
	}
	if _, errOut, err := w.kubectl("", "scale", "deployment/web", "--replicas=1", "--current-replicas=2"); err == nil ||
		!strings.Contains(errOut, "Expected replicas to be 2, was 3") {
		t.Errorf("scale with the wrong current replicas: %v %s", err, errOut)
	}
	ready(3)
	if out := w.must("", "rollout", "status", "deployment/web", "--timeout=30s"); !strings.Contains(out, "successfully rolled out") {
		t.Errorf("rollout status after the scale: %q", out)
	}
	// An apply of the configuration, which does not set replicas, keeps the scale's.
	if out := w.must(noReplicas, "apply", "-f", "-"); out != "deployment.apps/web unchanged\n" {
		t.Errorf("apply after the scale: %q", out)
	}
	if out := w.must("", "get", "deployment", "web", "-o", "jsonpath={.spec.replicas}"); out != "3" {
		t.Errorf("replicas after an apply without them: %q", out)
	}

	if out := w.must("", "rollout", "restart", "deployment/web"); out != "deployment.apps/web restarted\n" {
		t.Errorf("restart: %q", out)
	}
	if out := w.must("", "get", "deployment", "web", "-o", `jsonpath={.spec.template.metadata.annotations.kubectl\.kubernetes\.io/restartedAt}`); out == "" {
		t.Error("no restartedAt in the template")
	}
	w.must("", "rollout", "pause", "deployment/web")
	if out := w.must("", "get", "deployment", "web", "-o", "jsonpath={.spec.paused}"); out != "true" {
		t.Errorf("paused: %q", out)
	}
	w.must("", "rollout", "resume", "deployment/web")
	if out := w.must("", "set", "image", "deployment/web", "web=localhost/web:2"); out != "deployment.apps/web image updated\n" {
		t.Errorf("set image: %q", out)
	}
	eventually(t, 30*time.Second, "the new template's pods rolled out", func() bool {
		c.reportReady("web-")
		out, _, err := w.kubectl("", "rollout", "status", "deployment/web", "--timeout=1s")
		return err == nil && strings.Contains(out, "successfully rolled out")
	})
	for _, cmd := range [][]string{{"rollout", "undo", "deployment/web"}, {"rollout", "history", "deployment/web"}} {
		if _, errOut, err := w.kubectl("", cmd...); err == nil || !strings.Contains(errOut, "the server could not find the requested resource") {
			t.Errorf("%v: %v %s", cmd, err, errOut)
		}
	}
}
