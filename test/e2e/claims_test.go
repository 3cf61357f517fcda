package e2e

import (
	"encoding/json"
	"fmt"
	"strings"
	"testing"
	"time"
)

// claimManifest is a claim and one pod of the test server on it, first placed on node n2
// by its nodeSelector; tag changes the template, for a rollout. The test image has no
// shell, so the test reaches the data through the node: the claim's podman volume, and
// the mounts podman gives the pod's container.
func claimManifest(tag string, pinned bool) string {
	sel := ""
	if pinned {
		sel = "      nodeSelector: {node: n2}\n"
	}
	return fmt.Sprintf(`apiVersion: v1
kind: PersistentVolumeClaim
metadata: {name: pvc-data}
spec:
  accessModes: [ReadWriteOnce]
  resources: {requests: {storage: 100Mi}}
---
apiVersion: apps/v1
kind: Deployment
metadata: {name: pvc-db}
spec:
  replicas: 1
  strategy: {type: Recreate}
  selector: {matchLabels: {app: pvc-db}}
  template:
    metadata: {labels: {app: pvc-db}, annotations: {tag: %q}}
    spec:
%s      containers:
        - name: server
          image: localhost/swarm-testserver:latest
          imagePullPolicy: Never
          args: ["--listen", ":8080"]
          ports: [{name: http, containerPort: 8080}]
          readinessProbe: {httpGet: {path: /healthz, port: http}, periodSeconds: 1}
          volumeMounts: [{name: data, mountPath: /data}]
      volumes:
        - {name: data, persistentVolumeClaim: {claimName: pvc-data}}
`, tag, sel)
}

const claimVolume = "swarm-default_pvc-data"

// claimPod is the pvc-db pod as node 1's API lists it.
type claimPod struct {
	Metadata struct{ Name string }
	Spec     struct{ NodeName string }
	Status   struct {
		Phase, Message    string
		ContainerStatuses []struct {
			Ready bool
			State struct {
				Running *struct{ StartedAt time.Time }
			}
		}
	}
}

func claimPods(t *testing.T, i int) []claimPod {
	t.Helper()
	out, err := swarmCLI(i, "get", "pods", "-o", "json")
	if err != nil {
		t.Fatalf("swarm get pods: %v\n%s", err, out)
	}
	var l struct{ Items []claimPod }
	if err := json.Unmarshal([]byte(out), &l); err != nil {
		t.Fatalf("decode pods: %v\n%s", err, out)
	}
	var mine []claimPod
	for _, p := range l.Items {
		if strings.HasPrefix(p.Metadata.Name, "pvc-db-") {
			mine = append(mine, p)
		}
	}
	return mine
}

// readyOn waits until the one pvc-db pod runs, ready, on node n, and returns its name.
func readyOn(t *testing.T, n int, within time.Duration) string {
	t.Helper()
	return readyOnSince(t, n, within, time.Time{})
}

// readyOnSince is readyOn for a container started at since or later: a pod seen again
// after its node booted, not as the node reported it before.
func readyOnSince(t *testing.T, n int, within time.Duration, since time.Time) string {
	t.Helper()
	var name string
	eventually(t, within, fmt.Sprintf("the pvc-db pod ready on n%d", n), func() (bool, string) {
		pods := claimPods(t, 1)
		ok := len(pods) == 1 && pods[0].Spec.NodeName == nodeName(n) && pods[0].Status.Phase == "Running" &&
			len(pods[0].Status.ContainerStatuses) == 1 && pods[0].Status.ContainerStatuses[0].Ready
		started := ""
		if ok && !since.IsZero() {
			run := pods[0].Status.ContainerStatuses[0].State.Running
			ok = run != nil && !run.StartedAt.Before(since.Truncate(time.Second))
			if run != nil {
				started = fmt.Sprintf(" (container started at %s, want %s or later)", run.StartedAt.Format(time.RFC3339), since.Format(time.RFC3339))
			}
		}
		if ok {
			name = pods[0].Metadata.Name
		}
		return ok, fmt.Sprintf("%+v%s", pods, started)
	})
	return name
}

// marker reads the file the test wrote into the claim's volume on node n ("" if none).
func marker(t *testing.T, n int) string {
	t.Helper()
	out, err := onNode(n, "sh", "-c", `cat "$(podman volume inspect -f '{{.Mountpoint}}' `+claimVolume+`)/marker" 2>/dev/null || true`)
	if err != nil {
		t.Fatalf("read the marker on n%d: %v\n%s", n, err, out)
	}
	return strings.TrimSpace(out)
}

// mountsClaim checks that the running container of pod on node n mounts the claim's volume
// at /data.
func mountsClaim(t *testing.T, n int, pod string) {
	t.Helper()
	container := "swarm-default_" + pod + "_server"
	out, err := onNode(n, "podman", "inspect", "-f", `{{range .Mounts}}{{.Name}}={{.Destination}} {{end}}`, container)
	if err != nil || !strings.Contains(out, claimVolume+"=/data") {
		status, _ := swarmCLI(1, "get", "pod", pod, "-o", "yaml")
		units, _ := onNode(n, "systemctl", "--user", "list-units", "--all", "--no-pager", "swarm-*")
		agent, _ := onNode(n, "journalctl", "--user", "-u", "swarm-agent", "--no-pager", "-n", "80", "-o", "short-precise")
		t.Fatalf("%s on n%d mounts %q (%v), want %s at /data\nthe pod as node 1 lists it:\n%s\nunits on n%d:\n%s\nagent on n%d:\n%s",
			container, n, out, err, claimVolume, status, n, units, n, agent)
	}
}

// A claim keeps its data on its node: through a restart of its pod and a rollout, the
// pod comes back on that node with the same volume; when that node dies, the pod stays
// Pending with the reason, never placed elsewhere, and runs there again with its data
// once the node is back. Deleting the claim (reclaim policy Delete) deletes the volume.
func TestClaimKeepsItsDataOnItsNode(t *testing.T) {
	needRig(t)
	apply(t, claimManifest("1", true))
	t.Cleanup(func() {
		_, _ = swarmCLI(1, "delete", "deployment", "pvc-db")
		_, _ = swarmCLI(1, "delete", "pvc", "pvc-data")
	})
	pod := readyOn(t, 2, 3*time.Minute)
	out, err := swarmCLI(1, "get", "pvc")
	if err != nil || !strings.Contains(out, "pvc-data") || !strings.Contains(out, "Bound") || !strings.Contains(out, claimVolume) {
		t.Fatalf("swarm get pvc: %v\n%s", err, out)
	}
	mountsClaim(t, 2, pod)
	token := fmt.Sprint(time.Now().UnixNano())
	if out, err := onNode(2, "sh", "-c", `echo `+token+` > "$(podman volume inspect -f '{{.Mountpoint}}' `+claimVolume+`)/marker"`); err != nil {
		t.Fatalf("write the marker: %v\n%s", err, out)
	}

	t.Run("a restart of the pod keeps the data", func(t *testing.T) {
		if out, err := onNode(2, "systemctl", "--user", "restart", "swarm-default_"+pod+".service"); err != nil {
			t.Fatalf("restart the pod: %v\n%s", err, out)
		}
		again := readyOn(t, 2, 90*time.Second)
		mountsClaim(t, 2, again)
		if got := marker(t, 2); got != token {
			t.Fatalf("after a restart the volume holds %q, want %q", got, token)
		}
	})

	t.Run("a rollout without the nodeSelector stays on the claim's node", func(t *testing.T) {
		apply(t, claimManifest("2", false))
		var next string
		eventually(t, 2*time.Minute, "the new pod ready on n2", func() (bool, string) {
			pods := claimPods(t, 1)
			if len(pods) == 1 && pods[0].Metadata.Name != pod && pods[0].Spec.NodeName == "n2" &&
				pods[0].Status.Phase == "Running" && len(pods[0].Status.ContainerStatuses) == 1 && pods[0].Status.ContainerStatuses[0].Ready {
				next = pods[0].Metadata.Name
				return true, ""
			}
			return false, fmt.Sprintf("%+v", pods)
		})
		mountsClaim(t, 2, next)
		if got := marker(t, 2); got != token {
			t.Fatalf("after a rollout the volume holds %q, want %q", got, token)
		}
		for _, n := range []int{1, 3} {
			if _, err := onNode(n, "podman", "volume", "exists", claimVolume); err == nil {
				t.Errorf("the claim's volume exists on n%d too", n)
			}
		}
	})

	t.Run("its node dies: the pod stays Pending with the reason", func(t *testing.T) {
		t.Cleanup(func() {
			if _, err := rigCmd("pid", "2"); err != nil {
				if out, err := rigCmd("boot", "2"); err != nil {
					t.Errorf("rig boot 2: %v\n%s", err, out)
				}
			}
		})
		if out, err := rigCmd("kill", "2"); err != nil {
			t.Fatalf("rig kill 2: %v\n%s", err, out)
		}
		want := "its data is on node n2 (persistentVolumeClaim pvc-data) and n2 is dead"
		eventually(t, time.Minute, "the pod pending with the reason", func() (bool, string) {
			pods := claimPods(t, 1)
			return len(pods) == 1 && pods[0].Spec.NodeName == "n2" && pods[0].Status.Phase == "Pending" &&
				strings.HasPrefix(pods[0].Status.Message, want), fmt.Sprintf("%+v", pods)
		})
		// Well past the dead-node grace, the pod is never placed elsewhere.
		for end := time.Now().Add(30 * time.Second); time.Now().Before(end); time.Sleep(time.Second) {
			for _, p := range claimPods(t, 1) {
				if p.Spec.NodeName != "n2" {
					t.Fatalf("pod %s placed on %s, away from its data on n2", p.Metadata.Name, p.Spec.NodeName)
				}
			}
		}
		out, err := swarmCLI(1, "get", "pods", "-o", "wide")
		if err != nil || !strings.Contains(out, want) {
			t.Errorf("swarm get pods -o wide does not give the reason: %v\n%s", err, out)
		}
		booted := time.Now()
		if out, err := rigCmd("boot", "2"); err != nil {
			t.Fatalf("rig boot 2: %v\n%s", err, out)
		}
		allReady(t, 1, 90*time.Second)
		back := readyOnSince(t, 2, 2*time.Minute, booted)
		// What n2 said of its pods before it died is not taken as true after it booted.
		if log, _ := onNode(2, "journalctl", "--user", "-u", "swarm-agent", "-b", "--no-pager", "-o", "cat"); !strings.Contains(log, "the machine booted since the agent last ran") {
			t.Errorf("n2's agent did not forget its pods' status of the boot before:\n%s", log)
		}
		mountsClaim(t, 2, back)
		if got := marker(t, 2); got != token {
			t.Fatalf("after the node came back the volume holds %q, want %q", got, token)
		}
	})

	t.Run("deleting the claim waits for its pod, then deletes the volume", func(t *testing.T) {
		if out, err := swarmCLI(1, "delete", "pvc", "pvc-data"); err != nil {
			t.Fatalf("delete pvc: %v\n%s", err, out)
		}
		eventually(t, 30*time.Second, "the claim terminating", func() (bool, string) {
			out, _ := swarmCLI(1, "get", "pvc")
			return strings.Contains(out, "Terminating"), out
		})
		readyOn(t, 2, 10*time.Second) // its pod keeps running
		if out, err := swarmCLI(1, "delete", "deployment", "pvc-db"); err != nil {
			t.Fatalf("delete deployment: %v\n%s", err, out)
		}
		eventually(t, 90*time.Second, "the claim and its volume gone", func() (bool, string) {
			out, _ := swarmCLI(1, "get", "pvc")
			_, exists := onNode(2, "podman", "volume", "exists", claimVolume)
			return strings.Contains(out, "No resources found") && exists != nil, out
		})
	})
}
