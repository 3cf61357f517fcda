package e2e

import (
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/podman-swarm/podman-swarm/internal/testcert"
)

// kubectl, against the agents of the rig with HTTPS on (kubectl sends its token over HTTPS
// only): the README's example applied, its rollout watched, exec into a pod, its logs,
// a rollout restart and back to where it was, and the delete. The agents and companions are
// switched to HTTPS for the test and back after it: restarting an agent moves nothing.
func TestKubectlOnTheRig(t *testing.T) {
	needRig(t)
	kubectl, err := exec.LookPath("kubectl")
	if err != nil {
		t.Skip("kubectl not found on the host: install kubectl 1.32 to run this test")
	}
	kubeconfig := withHTTPS(t)
	k := func(args ...string) (string, error) {
		return fromNode(2, append([]string{"timeout", "120", kubectl, "--kubeconfig", kubeconfig}, args...)...)
	}
	web := rigExample(t, "web.yaml")
	t.Cleanup(func() { _, _ = k("delete", "-f", web, "--ignore-not-found") })

	out, err := k("apply", "-f", web)
	if err != nil || !strings.Contains(out, "deployment.apps/web created") || !strings.Contains(out, "service/web created") {
		t.Fatalf("kubectl apply -f web.yaml: %v\n%s", err, out)
	}
	if out, err := k("apply", "-f", web); err != nil || !strings.Contains(out, "deployment.apps/web unchanged") {
		t.Errorf("kubectl apply again: %v\n%s", err, out)
	}
	if out, err := k("rollout", "status", "deployment/web", "--timeout", "100s"); err != nil || !strings.Contains(out, "successfully rolled out") {
		pods, _ := k("describe", "pods", "-l", "app=web")
		t.Fatalf("kubectl rollout status: %v\n%s\nkubectl describe pods -l app=web:\n%s", err, out, pods)
	}
	if out, err := k("wait", "--for=condition=Available", "deployment/web", "--timeout", "30s"); err != nil || !strings.Contains(out, "condition met") {
		t.Errorf("kubectl wait: %v\n%s", err, out)
	}
	out, err = k("get", "pods", "-l", "app=web", "-o", "wide")
	rows := regexp.MustCompile(`(?m)^(web-\S+)\s+1/1\s+Running\s+\d+\s+\S+\s+\S+\s+(n\d)\b`).FindAllStringSubmatch(out, -1)
	if err != nil || len(rows) != 2 {
		t.Fatalf("kubectl get pods -o wide: %v, want 2 running pods with their node\n%s", err, out)
	}
	pod := rows[0][1]

	out, err = k("exec", pod, "--", "/testserver", "-h")
	if err != nil || !strings.Contains(out, "-listen") {
		t.Errorf("kubectl exec %s -- /testserver -h: %v\n%s", pod, err, out)
	}
	_, err = k("exec", pod, "--", "/testserver", "-no-such-flag")
	var exit *exec.ExitError
	if !errors.As(err, &exit) || exit.ExitCode() != 2 {
		t.Errorf("kubectl exec of a command that exits 2: %v, want exit status 2", err)
	}
	if out, err := k("logs", pod, "--tail", "20"); err != nil || !strings.Contains(out, "listening on :8080") && !strings.Contains(out, "GET /healthz") {
		t.Errorf("kubectl logs %s: %v\n%s", pod, err, out)
	}

	if out, err := k("rollout", "restart", "deployment/web"); err != nil || !strings.Contains(out, "restarted") {
		t.Fatalf("kubectl rollout restart: %v\n%s", err, out)
	}
	if out, err := k("rollout", "status", "deployment/web", "--timeout", "100s"); err != nil || !strings.Contains(out, "successfully rolled out") {
		t.Fatalf("kubectl rollout status after the restart: %v\n%s", err, out)
	}
	eventually(t, time.Minute, "the restart replaced both pods", func() (bool, string) {
		out, _ := k("get", "pods", "-l", "app=web", "-o", "name")
		return !strings.Contains(out, pod) && strings.Count(out, "pod/web-") == 2, out
	})
	if out, err := k("scale", "deployment/web", "--replicas", "3"); err != nil || !strings.Contains(out, "scaled") {
		t.Errorf("kubectl scale: %v\n%s", err, out)
	}
	eventually(t, 90*time.Second, "three web pods ready", func() (bool, string) {
		out, _ := k("get", "deployment", "web", "-o", "jsonpath={.status.readyReplicas}")
		return strings.TrimSpace(out) == "3", out
	})
	if out, err := k("delete", "-f", web); err != nil || !strings.Contains(out, `deployment.apps "web" deleted`) {
		t.Errorf("kubectl delete -f: %v\n%s", err, out)
	}
	eventually(t, time.Minute, "the web pods gone", func() (bool, string) {
		out, err := k("get", "pods", "-l", "app=web", "-o", "name")
		return err == nil && strings.TrimSpace(out) == "" || strings.Contains(out, "No resources found"), out
	})
}

// rigExample is a manifest of contrib/examples as the rig can run it, written where kubectl,
// run on the host, reads it: without its containers' resources, since the rig's host keeps
// the memory controller on a cgroup v1 hierarchy and no container there can have a memory
// limit (crun: "opening file memory.max").
func rigExample(t *testing.T, name string) string {
	t.Helper()
	data, err := os.ReadFile(filepath.Join(env.dir, "..", "..", "contrib", "examples", name))
	if err != nil {
		t.Fatal(err)
	}
	// A "resources:" line goes with the lines indented deeper under it.
	var kept []string
	cut, dropped := -1, 0
	for _, line := range strings.Split(string(data), "\n") {
		indent := len(line) - len(strings.TrimLeft(line, " "))
		switch {
		case cut >= 0 && indent > cut:
			dropped++
			continue
		case strings.TrimSpace(line) == "resources:":
			cut = indent
			dropped++
			continue
		}
		cut = -1
		kept = append(kept, line)
	}
	if dropped == 0 {
		t.Fatalf("%s sets no resources any more: apply it as it is", name)
	}
	f := filepath.Join(t.TempDir(), name)
	if err := os.WriteFile(f, []byte(strings.Join(kept, "\n")), 0o644); err != nil {
		t.Fatal(err)
	}
	return f
}

// withHTTPS gives every agent one certificate for the nodes' addresses, restarts the agents
// and the companions on HTTPS, and returns a kubeconfig of node 2's agent made by `swarm
// kubeconfig`. When the test ends, the nodes go back to plain HTTP and the cluster is whole.
func withHTTPS(t *testing.T) string {
	t.Helper()
	dir := t.TempDir()
	certFile, keyFile := filepath.Join(dir, "api.crt"), filepath.Join(dir, "api.key")
	var hosts []string
	for i := 1; i <= nodeCount; i++ {
		hosts = append(hosts, nodeAddr(i))
	}
	testcert.Write(t, certFile, keyFile, hosts...)
	const tlsDir = "/home/swarm/.config/swarm/"
	restart := func(i int) {
		if out, err := onNode(i, "systemctl", "--user", "restart", "swarm-agent", "swarm-dns", "swarm-ingress"); err != nil {
			t.Fatalf("restart the agent and companions of node %d: %v\n%s", i, err, out)
		}
	}
	t.Cleanup(func() {
		for i := 1; i <= nodeCount; i++ {
			flags, err := os.ReadFile(filepath.Join(env.bin, fmt.Sprintf("agent-%d.env", i)))
			if err != nil {
				t.Errorf("read node %d's flags: %v", i, err)
				continue
			}
			for name, text := range map[string]string{"agent.env": string(flags), "dns.env": "SWARM_DNS_FLAGS=--agent http://" + nodeAddr(i) + ":7070\n", "ingress.env": ingressEnv(i, "")} {
				if err := writeNodeFile(i, name, text); err != nil {
					t.Error(err)
				}
			}
			restart(i)
		}
		eventually(t, time.Minute, "every node Ready again on plain HTTP", func() (bool, string) {
			out, err := swarmCLI(1, "get", "nodes")
			return err == nil && strings.Count(out, " Ready ") == nodeCount, out
		})
	})
	for i := 1; i <= nodeCount; i++ {
		for _, f := range []string{certFile, keyFile} {
			if out, err := rigCmd("cp-in", fmt.Sprint(i), f, tlsDir+filepath.Base(f)); err != nil {
				t.Fatalf("copy %s to node %d: %v\n%s", f, i, err, out)
			}
		}
		flags, err := os.ReadFile(filepath.Join(env.bin, fmt.Sprintf("agent-%d.env", i)))
		if err != nil {
			t.Fatal(err)
		}
		tls := fmt.Sprintf(" --tls-cert %sapi.crt --tls-key %sapi.key --tls-ca %sapi.crt", tlsDir, tlsDir, tlsDir)
		api := "https://" + nodeAddr(i) + ":7070 --agent-ca " + tlsDir + "api.crt"
		for name, text := range map[string]string{
			"agent.env":   strings.TrimSuffix(string(flags), "\n") + tls + "\n",
			"dns.env":     "SWARM_DNS_FLAGS=--agent " + api + "\n",
			"ingress.env": strings.Replace(ingressEnv(i, ""), "http://"+nodeAddr(i)+":7070", api, 1),
		} {
			if err := writeNodeFile(i, name, text); err != nil {
				t.Fatal(err)
			}
		}
		restart(i)
	}
	kubeconfig := filepath.Join(dir, "kubeconfig")
	eventually(t, time.Minute, "swarm kubeconfig from node 2's agent on HTTPS", func() (bool, string) {
		// Its standard output alone is the kubeconfig.
		cmd := exec.Command("ip", "netns", "exec", "swarm-"+nodeName(2), env.swarm, "kubeconfig",
			"--server", "https://"+nodeAddr(2)+":7070", "--certificate-authority", certFile, "--token", env.token)
		out, err := cmd.Output()
		if err != nil {
			return false, fmt.Sprint(err, string(out))
		}
		return os.WriteFile(kubeconfig, out, 0o600) == nil, string(out)
	})
	eventually(t, time.Minute, "every node Ready on HTTPS", func() (bool, string) {
		out, err := fromNode(1, env.swarm, "get", "nodes", "--server", "https://"+nodeAddr(1)+":7070",
			"--certificate-authority", certFile, "--token", env.token)
		return err == nil && strings.Count(out, " Ready ") == nodeCount, out
	})
	return kubeconfig
}
