package e2e

import (
	"regexp"
	"strings"
	"testing"
)

// The packaged CLI, run by the node's user with no flag and no variable, finds the local
// agent and its token; a rollout it follows ends when real pods are ready; without a token
// the API refuses.
func TestCLIOnANode(t *testing.T) {
	needRig(t)
	out, err := onNode(2, "swarm", "get", "nodes")
	if err != nil || strings.Count(out, " Ready ") != nodeCount {
		t.Fatalf("swarm get nodes on node 2, no flags: %v\n%s", err, out)
	}
	out, err = fromNode(3, env.swarm, "get", "pods", "--server", nodeAddr(3)+":7070", "--token", "")
	if err == nil || !strings.Contains(out, "this API needs a token") {
		t.Errorf("a client without a token: %v\n%s", err, out)
	}

	manifest := strings.Replace(webManifest(2, "latest"), "name: web}", "name: rollout}", 1)
	manifest = strings.ReplaceAll(manifest, "app: web", "app: rollout")
	manifest = strings.Replace(manifest, `":8080"`, `":8090"`, 1)
	manifest = strings.Replace(manifest, "containerPort: 8080", "containerPort: 8090", 1)
	apply(t, manifest)
	defer func() {
		if out, err := swarmCLI(1, "delete", "deployment", "rollout"); err != nil {
			t.Errorf("delete: %v\n%s", err, out)
		}
	}()
	out, err = onNode(2, "swarm", "rollout", "status", "deployment/rollout", "--timeout", "120s")
	if err != nil || !strings.HasSuffix(out, "deployment \"rollout\" successfully rolled out\n") {
		t.Fatalf("swarm rollout status: %v\n%s", err, out)
	}
	if !strings.Contains(out, "Waiting for deployment \"rollout\" rollout to finish") {
		t.Logf("the rollout was done before the first look:\n%s", out)
	}
	out, err = onNode(2, "swarm", "get", "deployment", "rollout")
	if err != nil || !regexp.MustCompile(`rollout\s+2/2`).MatchString(out) {
		t.Errorf("after the rollout: %v\n%s", err, out)
	}
}
