package e2e

import (
	"strings"
	"testing"
	"time"
)

// No registry is reachable: a pod whose image is not on its node, with pull policy Never,
// says so in its status instead of hiding in a crash loop; one with IfNotPresent whose image
// is local starts without pulling.
func TestImagesWithoutARegistry(t *testing.T) {
	needRig(t)
	apply(t, `apiVersion: v1
kind: Pod
metadata: {name: missing}
spec:
  nodeSelector: {node: n2}
  containers:
    - {name: app, image: "localhost/not-here:1", imagePullPolicy: Never}
---
apiVersion: v1
kind: Pod
metadata: {name: local}
spec:
  nodeSelector: {node: n3}
  containers:
    - name: app
      image: localhost/swarm-testserver:v2
      imagePullPolicy: IfNotPresent
      args: ["--listen", ":9090"]
      ports: [{containerPort: 9090, hostPort: 9090}]
`)
	eventually(t, 90*time.Second, "the missing image is reported and the local one runs", func() (bool, string) {
		out, _ := swarmCLI(1, "describe", "pod", "missing")
		local, _ := swarmCLI(1, "get", "pods", "-o", "wide")
		ok := strings.Contains(out, "image localhost/not-here:1 not found and pull policy is Never") &&
			strings.Contains(local, "local ") && strings.Contains(local, "1/1     Running")
		return ok, out + "\n" + local
	})
	if body, err := httpGet(1, "http://"+nodeAddr(3)+":9090/"); err != nil || !strings.HasPrefix(body, "hello from local") {
		t.Errorf("GET the local-image pod: %q %v", body, err)
	}
	for _, name := range []string{"missing", "local"} {
		if out, err := swarmCLI(1, "delete", "pod", name); err != nil || out != "pod/"+name+" deleted\n" {
			t.Errorf("swarm delete pod %s: %v %q", name, err, out)
		}
	}
}
