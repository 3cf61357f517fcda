package e2e

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"os/exec"
	"regexp"
	"strings"
	"testing"
	"time"
)

// dbgManifest is one pod of the test server with no published port of its own.
const dbgManifest = `apiVersion: apps/v1
kind: Deployment
metadata: {name: dbg}
spec:
  replicas: 1
  selector: {matchLabels: {app: dbg}}
  template:
    metadata: {labels: {app: dbg}}
    spec:
      containers:
        - name: dbg
          image: localhost/swarm-testserver:latest
          imagePullPolicy: Never
          args: ["--listen", ":8085"]
          ports: [{name: http, containerPort: 8085}]
          env:
            - name: POD_NAME
              valueFrom: {fieldRef: {fieldPath: metadata.name}}
          readinessProbe:
            httpGet: {path: /healthz, port: http}
            periodSeconds: 2
`

// runningDbg applies dbg, waits until its pod is ready and returns its name and node.
func runningDbg(t *testing.T) (string, int) {
	t.Helper()
	apply(t, dbgManifest)
	t.Cleanup(func() {
		if out, err := swarmCLI(1, "delete", "deployment", "dbg"); err != nil {
			t.Errorf("delete: %v\n%s", err, out)
		}
	})
	var name string
	var node int
	eventually(t, 90*time.Second, "the dbg pod is Running and ready", func() (bool, string) {
		pods := getPods(t)
		for _, p := range pods {
			if strings.HasPrefix(p.Metadata.Name, "dbg-") && p.Status.Phase == "Running" &&
				len(p.Status.ContainerStatuses) == 1 && p.Status.ContainerStatuses[0].Ready {
				name, node = p.Metadata.Name, nodeIndex(p.Spec.NodeName)
				return true, ""
			}
		}
		return false, fmt.Sprint(pods)
	})
	return name, node
}

// otherNode is a node that is not i.
func otherNode(i int) int { return i%nodeCount + 1 }

// swarm exec, asked of a node that does not run the pod, runs the command in the pod's
// container with podman exec on its node: the output and the exit status come back, and
// with -t the command has a terminal.
func TestExecOnTheRig(t *testing.T) {
	needRig(t)
	pod, node := runningDbg(t)
	from := otherNode(node)
	out, err := swarmCLI(from, "exec", pod, "--", "/testserver", "-h")
	if err != nil || !strings.Contains(out, "-listen") {
		t.Errorf("swarm exec -- /testserver -h from n%d: %v\n%s", from, err, out)
	}
	out, err = swarmCLI(from, "exec", pod, "--", "/testserver", "-no-such-flag")
	var exit *exec.ExitError
	if err == nil || !errors.As(err, &exit) || exit.ExitCode() != 2 || !strings.Contains(out, "command terminated with exit code 2") {
		t.Errorf("a command that fails: %v\n%s", err, out)
	}
	out, err = swarmCLI(from, "exec", pod, "--", "/no/such/command")
	if err == nil || !strings.Contains(out, "command terminated with exit code 127") {
		t.Errorf("a command that does not exist: %v\n%s", err, out)
	}
	// script gives the CLI a terminal of its own, so that -it has one to pass on.
	out, err = fromNode(from, "script", "-qec", env.swarm+" exec -it "+pod+" --server "+nodeAddr(from)+":7070 --token "+env.token+" -- /testserver -h", "/dev/null")
	if err != nil || !strings.Contains(out, "-listen") || strings.Contains(out, "Unable to use a TTY") {
		t.Errorf("swarm exec -it: %v\n%s", err, out)
	}
}

// swarm port-forward from a node that does not run the pod reaches a port the pod does not
// publish, inside its network namespace.
func TestPortForwardOnTheRig(t *testing.T) {
	needRig(t)
	pod, node := runningDbg(t)
	from := otherNode(node)
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	cmd := exec.CommandContext(ctx, "ip", "netns", "exec", "swarm-"+nodeName(from), env.swarm, "port-forward", pod, ":8085",
		"--address", "127.0.0.1", "--server", nodeAddr(from)+":7070", "--token", env.token)
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	defer func() {
		cancel()
		_ = cmd.Wait()
	}()
	line, err := bufio.NewReader(stdout).ReadString('\n')
	m := regexp.MustCompile(`^Forwarding from 127\.0\.0\.1:(\d+) -> 8085\n$`).FindStringSubmatch(line)
	if err != nil || m == nil {
		t.Fatalf("port-forward said %q: %v", line, err)
	}
	for range 3 {
		out, err := httpGet(from, "http://127.0.0.1:"+m[1]+"/env?k=POD_NAME")
		if err != nil || strings.TrimSpace(out) != pod {
			t.Errorf("through the forwarded port: %v\n%s", err, out)
		}
	}
}

// swarm top shows every node's figures and the dbg pod's, measured from its cgroup.
func TestTopOnTheRig(t *testing.T) {
	needRig(t)
	pod, _ := runningDbg(t)
	out, err := swarmCLI(2, "top", "nodes")
	if err != nil || len(regexp.MustCompile(`(?m)^n\d\s+\d+m\s+\d+%\s+\d+Mi\s+\d+%$`).FindAllString(out, -1)) != nodeCount {
		t.Errorf("swarm top nodes: %v\n%s", err, out)
	}
	out, err = swarmCLI(2, "top", "pods", pod, "--containers")
	if err != nil || !regexp.MustCompile(`(?m)^`+pod+`\s+dbg\s+\d+m\s+[1-9]\d*Mi$`).MatchString(out) {
		t.Errorf("swarm top pods: %v\n%s", err, out)
	}
}
