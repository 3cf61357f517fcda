package e2e

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"
)

// webManifest is a Deployment of the test server, one replica per node (each takes hostPort
// 8080, which the test reaches on its node).
func webManifest(replicas int, tag string) string {
	return fmt.Sprintf(`apiVersion: apps/v1
kind: Deployment
metadata: {name: web}
spec:
  replicas: %d
  selector: {matchLabels: {app: web}}
  template:
    metadata: {labels: {app: web}}
    spec:
      containers:
        - name: web
          image: localhost/swarm-testserver:%s
          imagePullPolicy: Never
          args: ["--listen", ":8080"]
          ports: [{name: http, containerPort: 8080, hostPort: 8080}]
          env:
            - name: POD_NAME
              valueFrom: {fieldRef: {fieldPath: metadata.name}}
            - name: NODE_NAME
              valueFrom: {fieldRef: {fieldPath: spec.nodeName}}
          readinessProbe:
            httpGet: {path: /healthz, port: http}
            periodSeconds: 2
`, replicas, tag)
}

func apply(t *testing.T, manifest string) {
	t.Helper()
	f := filepath.Join(t.TempDir(), "app.yaml")
	if err := os.WriteFile(f, []byte(manifest), 0o644); err != nil {
		t.Fatal(err)
	}
	if out, err := swarmCLI(1, "apply", "-f", f); err != nil {
		t.Fatalf("swarm apply: %v\n%s", err, out)
	}
}

// pod is what the tests read of `swarm get pods -o json`.
type pod struct {
	Metadata struct{ Name string }
	Spec     struct{ NodeName string }
	Status   struct {
		Phase             string
		ContainerStatuses []struct {
			Ready        bool
			RestartCount int
		}
	}
}

func getPods(t *testing.T) []pod {
	t.Helper()
	return getPodsFrom(t, 2)
}

// getPodsFrom lists the pods through node i's API.
func getPodsFrom(t *testing.T, i int) []pod {
	t.Helper()
	out, err := swarmCLI(i, "get", "pods", "-o", "json")
	if err != nil {
		t.Fatalf("swarm get pods: %v\n%s", err, out)
	}
	var l struct{ Items []pod }
	if err := json.Unmarshal([]byte(out), &l); err != nil {
		t.Fatalf("decode pods: %v\n%s", err, out)
	}
	return l.Items
}

func nodeIndex(name string) int {
	n, _ := strconv.Atoi(strings.TrimPrefix(name, "n"))
	return n
}

// runningWeb waits until want replicas of web run, ready, one per node, and returns them.
func runningWeb(t *testing.T, want int, tag string) []pod {
	t.Helper()
	var pods []pod
	eventually(t, 90*time.Second, fmt.Sprintf("%d web pods are Running and ready", want), func() (bool, string) {
		pods = getPods(t)
		ready := 0
		for _, p := range pods {
			if p.Status.Phase == "Running" && len(p.Status.ContainerStatuses) == 1 && p.Status.ContainerStatuses[0].Ready {
				ready++
			}
		}
		out, _ := swarmCLI(2, "get", "pods", "-o", "wide")
		return ready == want && len(pods) == want, out
	})
	return pods
}

func unitFiles(t *testing.T, i int) []string {
	out, err := onNode(i, "sh", "-c", "ls /home/swarm/.config/containers/systemd/ 2>/dev/null || true")
	if err != nil {
		t.Fatalf("list units on node %d: %v\n%s", i, err, out)
	}
	return strings.Fields(out)
}

// startedAt says when a unit last became active, as systemd has it.
func startedAt(t *testing.T, i int, unit string) string {
	out, err := onNode(i, "systemctl", "--user", "show", "-p", "ActiveEnterTimestampMonotonic", "-p", "NRestarts", "--value", unit)
	if err != nil {
		t.Fatalf("systemctl show %s on node %d: %v\n%s", unit, i, err, out)
	}
	return strings.Join(strings.Fields(out), " ")
}

// TestPodsRunOnTheirNodes walks a Deployment through its life on three real nodes.
func TestPodsRunOnTheirNodes(t *testing.T) {
	needRig(t)
	apply(t, webManifest(3, "latest"))
	pods := runningWeb(t, 3, "latest")

	for _, p := range pods {
		i := nodeIndex(p.Spec.NodeName)
		svc := "swarm-default_" + p.Metadata.Name
		if out, err := onNode(i, "systemctl", "--user", "is-active", svc, svc+"_web"); err != nil || strings.Count(out, "active") != 2 {
			t.Errorf("node %d: %s is not active: %v\n%s", i, svc, err, out)
		}
		// Its port answers from another node, with the pod's own name.
		other := i%nodeCount + 1
		body, err := httpGet(other, "http://"+nodeAddr(i)+":8080/")
		if err != nil || body != fmt.Sprintf("hello from %s on %s\n", p.Metadata.Name, p.Spec.NodeName) {
			t.Errorf("GET %s:8080 from node %d = %q, %v", nodeAddr(i), other, body, err)
		}
		// Its output is in the journal under a name a person can guess.
		logs, err := onNode(i, "journalctl", "--user", "-u", svc+"_web", "--no-pager", "-o", "cat")
		if err != nil || !strings.Contains(logs, "testserver "+p.Metadata.Name+" listening on :8080") {
			t.Errorf("journal of %s_web on node %d: %v\n%s", svc, i, err, logs)
		}
	}

	t.Run("logs and describe from any node", func(t *testing.T) {
		p := pods[0]
		out, err := swarmCLI(nodeIndex(p.Spec.NodeName)%nodeCount+1, "logs", p.Metadata.Name)
		if err != nil || !strings.Contains(out, "listening on :8080") {
			t.Errorf("swarm logs %s: %v\n%s", p.Metadata.Name, err, out)
		}
		out, err = swarmCLI(1, "describe", "pod", p.Metadata.Name)
		if err != nil || !strings.Contains(out, "Node:") || !strings.Contains(out, "swarm-default_"+p.Metadata.Name+"_web.service") {
			t.Errorf("swarm describe pod: %v\n%s", err, out)
		}
	})

	t.Run("agent killed and restarted, nothing restarts", func(t *testing.T) {
		p := pods[0]
		i := nodeIndex(p.Spec.NodeName)
		unit := "swarm-default_" + p.Metadata.Name + "_web"
		before := startedAt(t, i, unit)
		if out, err := onNode(i, "systemctl", "--user", "kill", "-s", "KILL", "swarm-agent"); err != nil {
			t.Fatalf("kill the agent: %v\n%s", err, out)
		}
		time.Sleep(2 * time.Second)
		if body, err := httpGet(1+i%nodeCount, "http://"+nodeAddr(i)+":8080/"); err != nil || !strings.HasPrefix(body, "hello from "+p.Metadata.Name) {
			t.Errorf("the workload stopped with its agent: %q %v", body, err)
		}
		if out, err := onNode(i, "systemctl", "--user", "restart", "swarm-agent"); err != nil {
			t.Fatalf("restart the agent: %v\n%s", err, out)
		}
		time.Sleep(8 * time.Second) // several passes of the reconciler
		if after := startedAt(t, i, unit); after != before {
			logs, _ := onNode(i, "journalctl", "--user", "-u", "swarm-agent", "--no-pager", "-n", "60", "-o", "cat")
			t.Errorf("restarting the agent restarted %s: %s -> %s; the agent's log:\n%s", unit, before, after, logs)
		}
	})

	t.Run("upgrading the package restarts the agent, not the pods", func(t *testing.T) {
		p := pods[0]
		i := nodeIndex(p.Spec.NodeName)
		unit := "swarm-default_" + p.Metadata.Name + "_web"
		before := startedAt(t, i, unit)
		agentPID := func() string {
			out, _ := onNode(i, "systemctl", "--user", "show", "-p", "MainPID", "--value", "swarm-agent")
			return strings.TrimSpace(out)
		}
		pid := agentPID()
		// The same package again runs the maintainer scripts of an upgrade. It is copied in
		// again: a node booted again since the install (failure_test.go) lost its /tmp.
		deb, err := newestDeb(filepath.Join(env.dir, "..", "..", "dist"))
		if err != nil {
			t.Fatal(err)
		}
		if out, err := rigCmd("cp-in", fmt.Sprint(i), deb, "/tmp/podman-swarm.deb"); err != nil {
			t.Fatalf("copy the package in: %v\n%s", err, out)
		}
		if out, err := rigCmd("exec", fmt.Sprint(i), "env", "DEBIAN_FRONTEND=noninteractive", "dpkg", "-i", "/tmp/podman-swarm.deb"); err != nil {
			t.Fatalf("reinstall the package: %v\n%s", err, out)
		}
		eventually(t, 30*time.Second, "the agent runs again under a new PID", func() (bool, string) {
			now := agentPID()
			return now != pid && now != "0" && now != "", now
		})
		time.Sleep(5 * time.Second)
		if after := startedAt(t, i, unit); after != before {
			t.Errorf("the upgrade restarted %s: %s -> %s", unit, before, after)
		}
		if body, err := httpGet(1+i%nodeCount, "http://"+nodeAddr(i)+":8080/"); err != nil || !strings.HasPrefix(body, "hello from "+p.Metadata.Name) {
			t.Errorf("the workload does not answer after the upgrade: %q %v", body, err)
		}
	})

	t.Run("a killed container is restarted and counted", func(t *testing.T) {
		p := pods[1]
		i := nodeIndex(p.Spec.NodeName)
		ctr := "swarm-default_" + p.Metadata.Name + "_web"
		if out, err := onNode(i, "podman", "kill", ctr); err != nil {
			t.Fatalf("podman kill %s: %v\n%s", ctr, err, out)
		}
		eventually(t, 60*time.Second, "the restart shows in swarm get pods", func() (bool, string) {
			for _, q := range getPods(t) {
				if q.Metadata.Name == p.Metadata.Name && len(q.Status.ContainerStatuses) == 1 &&
					q.Status.ContainerStatuses[0].RestartCount >= 1 && q.Status.ContainerStatuses[0].Ready {
					return true, ""
				}
			}
			out, _ := swarmCLI(2, "get", "pods", "-o", "wide")
			return false, out
		})
	})

	t.Run("a unit file edited or deleted by hand is put back", func(t *testing.T) {
		p := pods[2]
		i := nodeIndex(p.Spec.NodeName)
		file := "/home/swarm/.config/containers/systemd/swarm-default_" + p.Metadata.Name + "_web.container"
		orig, err := onNode(i, "cat", file)
		if err != nil {
			t.Fatal(err)
		}
		if out, err := onNode(i, "sh", "-c", "echo '# edited' >> "+file); err != nil {
			t.Fatalf("edit: %v\n%s", err, out)
		}
		eventually(t, 60*time.Second, "the edited file is rewritten", func() (bool, string) {
			now, _ := onNode(i, "cat", file)
			return now == orig, now
		})
		podFile := "/home/swarm/.config/containers/systemd/swarm-default_" + p.Metadata.Name + ".pod"
		if out, err := onNode(i, "rm", podFile); err != nil {
			t.Fatalf("delete %s: %v\n%s", podFile, err, out)
		}
		eventually(t, 60*time.Second, "the deleted file is written again", func() (bool, string) {
			out, err := onNode(i, "cat", podFile)
			return err == nil && strings.Contains(out, "X-Swarm-Pod=default/"+p.Metadata.Name), out
		})
	})

	t.Run("a new image tag replaces the pods", func(t *testing.T) {
		apply(t, webManifest(3, "v2"))
		old := map[string]bool{}
		for _, p := range pods {
			old[p.Metadata.Name] = true
		}
		eventually(t, 120*time.Second, "3 new pods run and the old ones are gone", func() (bool, string) {
			fresh := 0
			for _, p := range getPods(t) {
				if old[p.Metadata.Name] {
					out, _ := swarmCLI(2, "get", "pods", "-o", "wide")
					return false, out
				}
				if p.Status.Phase == "Running" && p.Status.ContainerStatuses[0].Ready {
					fresh++
				}
			}
			out, _ := swarmCLI(2, "get", "pods", "-o", "wide")
			return fresh == 3, out
		})
		for i := 1; i <= nodeCount; i++ {
			for _, f := range unitFiles(t, i) {
				for name := range old {
					if strings.Contains(f, name) {
						t.Errorf("node %d still has %s", i, f)
					}
				}
			}
		}
	})

	t.Run("scale to 0 removes units and files", func(t *testing.T) {
		apply(t, webManifest(0, "v2"))
		re := regexp.MustCompile(`^swarm-default_web-`)
		for i := 1; i <= nodeCount; i++ {
			eventually(t, 60*time.Second, fmt.Sprintf("node %d has no web unit files", i), func() (bool, string) {
				files := unitFiles(t, i)
				for _, f := range files {
					if re.MatchString(f) {
						return false, strings.Join(files, "\n")
					}
				}
				return true, ""
			})
			out, _ := onNode(i, "sh", "-c", "systemctl --user list-units --all --no-legend 'swarm-default_web-*' | wc -l")
			if strings.TrimSpace(out) != "0" {
				units, _ := onNode(i, "systemctl", "--user", "list-units", "--all", "swarm-default_web-*")
				t.Errorf("node %d still has web units:\n%s", i, units)
			}
		}
	})
}
