package e2e

import (
	"strings"
	"testing"
	"time"
)

// Removing the package stops the agent but leaves the workloads running and their data
// where it is, and says so. It runs last (files run in name order): node 3 has no agent
// afterwards.
func TestRemovingThePackageLeavesWorkloads(t *testing.T) {
	needRig(t)
	apply(t, `apiVersion: v1
kind: Pod
metadata: {name: stays}
spec:
  nodeSelector: {node: n3}
  containers:
    - name: web
      image: localhost/swarm-testserver:latest
      imagePullPolicy: Never
      args: ["--listen", ":9191"]
      ports: [{containerPort: 9191, hostPort: 9191}]
`)
	eventually(t, 90*time.Second, "the pod answers on node 3", func() (bool, string) {
		body, err := httpGet(1, "http://"+nodeAddr(3)+":9191/")
		return err == nil && strings.HasPrefix(body, "hello from stays"), body
	})
	out, err := rigCmd("exec", "3", "env", "DEBIAN_FRONTEND=noninteractive", "apt-get", "remove", "-y", "podman-swarm")
	if err != nil {
		t.Fatalf("apt-get remove: %v\n%s", err, out)
	}
	if !strings.Contains(out, "Left alone, in each user's home") {
		t.Errorf("the removal does not say what it leaves:\n%s", out)
	}
	if state, _ := onNode(3, "systemctl", "--user", "is-active", "swarm-agent"); strings.TrimSpace(state) == "active" {
		t.Errorf("the agent still runs without its binary")
	}
	time.Sleep(3 * time.Second)
	if body, err := httpGet(1, "http://"+nodeAddr(3)+":9191/"); err != nil || !strings.HasPrefix(body, "hello from stays") {
		t.Errorf("the workload stopped with the package: %q %v", body, err)
	}
	for _, path := range []string{
		"/home/swarm/.config/containers/systemd/swarm-default_stays.pod",
		"/home/swarm/.config/containers/systemd/swarm-default_stays_web.container",
		"/home/swarm/.local/state/swarm/join-token",
		"/home/swarm/.config/swarm/agent.env",
	} {
		if out, err := onNode(3, "test", "-f", path); err != nil {
			t.Errorf("%s is gone after the removal: %v %s", path, err, out)
		}
	}
}
