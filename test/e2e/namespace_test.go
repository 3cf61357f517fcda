package e2e

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// nsName is the namespace of this test: no other test uses it.
const nsName = "ns-e2e"

// nsManifest is what the test puts in its namespace: a Deployment of the test server with
// a Service, a ConfigMap, and a bare pod on a claim.
const nsManifest = `apiVersion: apps/v1
kind: Deployment
metadata: {name: nsweb, namespace: ns-e2e}
spec:
  replicas: 2
  selector: {matchLabels: {app: nsweb}}
  template:
    metadata: {labels: {app: nsweb}}
    spec:
      containers:
        - name: server
          image: localhost/swarm-testserver:latest
          imagePullPolicy: Never
          args: ["--listen", ":8080"]
          ports: [{name: http, containerPort: 8080}]
          readinessProbe: {httpGet: {path: /healthz, port: http}, periodSeconds: 1}
---
apiVersion: v1
kind: Service
metadata: {name: nsweb, namespace: ns-e2e}
spec:
  selector: {app: nsweb}
  ports: [{port: 80, targetPort: http}]
---
apiVersion: v1
kind: ConfigMap
metadata: {name: nsconf, namespace: ns-e2e}
data: {greeting: hello}
---
apiVersion: v1
kind: PersistentVolumeClaim
metadata: {name: nsdata, namespace: ns-e2e}
spec:
  accessModes: [ReadWriteOnce]
  resources: {requests: {storage: 10Mi}}
---
apiVersion: v1
kind: Pod
metadata: {name: nssolo, namespace: ns-e2e}
spec:
  containers:
    - name: server
      image: localhost/swarm-testserver:latest
      imagePullPolicy: Never
      args: ["--listen", ":8081"]
      volumeMounts: [{name: data, mountPath: /data}]
  volumes:
    - {name: data, persistentVolumeClaim: {claimName: nsdata}}
`

// applyErr applies a manifest from node 1 and answers the CLI's output and error.
func applyErr(t *testing.T, manifest string) (string, error) {
	t.Helper()
	f := filepath.Join(t.TempDir(), "app.yaml")
	if err := os.WriteFile(f, []byte(manifest), 0o644); err != nil {
		t.Fatal(err)
	}
	return swarmCLI(1, "apply", "-f", f)
}

// nsContainers counts the running containers of the namespace on every node, by node.
func nsContainers(t *testing.T) map[int]int {
	t.Helper()
	out := map[int]int{}
	for i := 1; i <= nodeCount; i++ {
		ps, err := onNode(i, "podman", "ps", "--format", "{{.Names}}")
		if err != nil {
			t.Fatalf("podman ps on n%d: %v\n%s", i, err, ps)
		}
		out[i] = strings.Count(ps, "swarm-"+nsName+"_")
	}
	return out
}

// A namespace on the rig: objects are refused until it exists; its pods run; deleting it
// stops its pods on every node, deletes its objects and the claim's volume, then the
// namespace itself, after which it no longer exists.
func TestNamespaceOnTheRig(t *testing.T) {
	needRig(t)
	t.Cleanup(func() { _, _ = swarmCLI(1, "delete", "namespace", nsName) })

	out, err := applyErr(t, nsManifest)
	if err == nil || !strings.Contains(out, `namespaces "`+nsName+`" not found`) || !strings.Contains(out, "swarm create namespace "+nsName) {
		t.Fatalf("apply into a namespace that does not exist: %v\n%s", err, out)
	}
	if out, err := swarmCLI(1, "create", "namespace", nsName); err != nil || out != "namespace/"+nsName+" created\n" {
		t.Fatalf("swarm create namespace: %v\n%s", err, out)
	}
	apply(t, nsManifest)
	eventually(t, 3*time.Minute, "the namespace's three pods run, ready", func() (bool, string) {
		out, err := swarmCLI(2, "get", "pods", "-n", nsName, "-o", "json")
		var l struct{ Items []pod }
		if err != nil || json.Unmarshal([]byte(out), &l) != nil {
			return false, out
		}
		ready := 0
		for _, p := range l.Items {
			if p.Status.Phase == "Running" && len(p.Status.ContainerStatuses) == 1 && p.Status.ContainerStatuses[0].Ready {
				ready++
			}
		}
		return ready == 3, out
	})
	out, err = swarmCLI(3, "get", "ns")
	if err != nil || !strings.Contains(out, "default ") || !strings.Contains(strings.Join(strings.Fields(out), " "), nsName+" Active ") {
		t.Fatalf("swarm get ns: %v\n%s", err, out)
	}
	claimNode := -1
	eventually(t, 30*time.Second, "the claim bound", func() (bool, string) {
		out, _ := swarmCLI(1, "get", "pvc", "nsdata", "-n", nsName, "-o", "json")
		var c struct {
			Metadata struct{ Annotations map[string]string }
		}
		_ = json.Unmarshal([]byte(out), &c)
		node := c.Metadata.Annotations["volume.kubernetes.io/selected-node"]
		fmt.Sscanf(node, "n%d", &claimNode)
		return claimNode > 0, out
	})
	volume := "swarm-" + nsName + "_nsdata"
	if out, err := onNode(claimNode, "podman", "volume", "exists", volume); err != nil {
		t.Fatalf("the claim's volume on n%d: %v\n%s", claimNode, err, out)
	}

	if out, err := swarmCLI(2, "delete", "ns", nsName); err != nil || out != "namespace/"+nsName+" deleted\n" {
		t.Fatalf("swarm delete ns: %v\n%s", err, out)
	}
	eventually(t, 2*time.Minute, "the namespace gone", func() (bool, string) {
		out, err := swarmCLI(1, "get", "ns")
		return err == nil && !strings.Contains(out, nsName), out
	})
	for _, what := range []string{"deployments", "pods", "services", "configmaps", "pvc"} {
		if out, err := swarmCLI(1, "get", what, "-n", nsName); err != nil || !strings.Contains(out, "No resources found") {
			t.Errorf("swarm get %s -n %s after the namespace: %v\n%s", what, nsName, err, out)
		}
	}
	eventually(t, 90*time.Second, "no container of the namespace runs on any node", func() (bool, string) {
		n := nsContainers(t)
		return n[1]+n[2]+n[3] == 0, fmt.Sprint(n)
	})
	eventually(t, 60*time.Second, "the claim's volume removed", func() (bool, string) {
		_, err := onNode(claimNode, "podman", "volume", "exists", volume)
		return err != nil, ""
	})
	out, err = applyErr(t, nsManifest)
	if err == nil || !strings.Contains(out, `namespaces "`+nsName+`" not found`) {
		t.Errorf("apply into the deleted namespace: %v\n%s", err, out)
	}
	if out, err := swarmCLI(1, "delete", "namespace", "default"); err == nil || !strings.Contains(out, `namespaces "default" is forbidden: this namespace may not be deleted`) {
		t.Errorf("swarm delete namespace default: %v\n%s", err, out)
	}
}
