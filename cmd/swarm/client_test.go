package main

import (
	"bytes"
	"context"
	"net"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/podman-swarm/podman-swarm/agent"
	"github.com/podman-swarm/podman-swarm/api"
)

// startAgent runs a real agent (gossip and API on loopback, no runtime) for the CLI to talk
// to, and a client with the agent's own token.
func startAgent(t *testing.T) *client {
	t.Helper()
	a, stateDir := startLiveAgent(t, "n1", t.TempDir())
	token, err := os.ReadFile(filepath.Join(stateDir, api.TokenFile))
	if err != nil {
		t.Fatal(err)
	}
	return testClient(t, a.APIAddr(), strings.TrimSpace(string(token)))
}

func startLiveAgent(t *testing.T, name, stateDir string, configure ...func(*agent.Config)) (*agent.Agent, string) {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	gossip := l.Addr().String()
	l.Close()
	cfg := agent.Config{NodeName: name, Bind: gossip, APIListen: "127.0.0.1:0", StateDir: stateDir, Runtime: agent.RuntimeNone}
	for _, c := range configure {
		c(&cfg)
	}
	a, err := agent.Start(context.Background(), cfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { a.Shutdown(false) })
	return a, stateDir
}

func testClient(t *testing.T, server, token string) *client {
	t.Helper()
	c, err := newClientFrom(api.ClientConfig{Server: server, Token: token})
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func TestApplyAndGetAgainstAnAgent(t *testing.T) {
	c := startAgent(t)
	web := webWithHostPort(t)
	var out bytes.Buffer
	if err := runApply(c, web, false, nil, &out); err != nil {
		t.Fatal(err)
	}
	want := "deployment.apps/web created\nservice/web created\ningress.networking.k8s.io/web created\n"
	if out.String() != want {
		t.Errorf("apply printed:\n%s\nwant:\n%s", out.String(), want)
	}
	out.Reset()
	if err := runApply(c, web, true, nil, &out); err != nil || !strings.Contains(out.String(), "deployment.apps/web unchanged (dry run)") {
		t.Errorf("dry run: %v %s", err, out.String())
	}

	// One node and two replicas that publish the same port: one runs, one is Pending.
	deadline := time.Now().Add(5 * time.Second)
	for {
		out.Reset()
		if err := runGet(c, getOptions{namespace: "default", output: "wide"}, "pods", &out); err != nil {
			t.Fatal(err)
		}
		if strings.Count(out.String(), "\n") == 3 && strings.Contains(out.String(), " n1 ") {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("pods never placed:\n%s", out.String())
		}
		time.Sleep(50 * time.Millisecond)
	}
	lines := strings.Split(strings.TrimSpace(out.String()), "\n")
	if !regexp.MustCompile(`^NAME\s+READY\s+STATUS\s+RESTARTS\s+IP\s+NODE\s+REASON$`).MatchString(lines[0]) {
		t.Errorf("header: %q", lines[0])
	}
	if !strings.Contains(out.String(), "Pending   0          <none>         <none>   0/1 nodes are available: 1 node(s) have port 8080/TCP in use.") {
		t.Errorf("the pending pod and its reason are missing:\n%s", out.String())
	}

	out.Reset()
	if err := runGet(c, getOptions{namespace: "nope"}, "deployments", &out); err != nil || out.String() != "No resources found in nope namespace.\n" {
		t.Errorf("empty namespace: %v %q", err, out.String())
	}
	out.Reset()
	if err := runGet(c, getOptions{output: "yaml", allNamespaces: true}, "svc", &out); err != nil || !strings.Contains(out.String(), "kind: Service") {
		t.Errorf("yaml: %v %s", err, out.String())
	}
	if err := runGet(c, getOptions{}, "replicasets", &out); err == nil || !strings.Contains(err.Error(), `unknown resource type "replicasets"`) {
		t.Errorf("unknown resource: %v", err)
	}
}

func TestApplyUnreachableAgent(t *testing.T) {
	err := runApply(testClient(t, "127.0.0.1:1", ""), "../../contrib/examples/web.yaml", false, nil, &bytes.Buffer{})
	if err == nil || !strings.Contains(err.Error(), "cannot reach the agent at http://127.0.0.1:1") {
		t.Errorf("err = %v", err)
	}
}

func TestDelete(t *testing.T) {
	c := startAgent(t)
	if err := runApply(c, "../../contrib/examples/web.yaml", false, nil, &bytes.Buffer{}); err != nil {
		t.Fatal(err)
	}
	var out bytes.Buffer
	if err := deleteObject(c, "Service", "default", "web", &out); err != nil || out.String() != "service/web deleted\n" {
		t.Errorf("delete service: %v %q", err, out.String())
	}
	out.Reset()
	err := deleteManifest(c, "../../contrib/examples/web.yaml", nil, &out)
	if out.String() != "deployment.apps/web deleted\ningress.networking.k8s.io/web deleted\n" {
		t.Errorf("delete -f printed %q", out.String())
	}
	if err == nil || !strings.Contains(err.Error(), "service/web: no object named default/web of kind Service") {
		t.Errorf("delete -f of an object already gone: %v", err)
	}
}

func TestScaleAndJoinToken(t *testing.T) {
	c := startAgent(t)
	if err := runApply(c, "../../contrib/examples/web.yaml", false, nil, &bytes.Buffer{}); err != nil {
		t.Fatal(err)
	}
	var out bytes.Buffer
	if err := runScale(c, "default", "deployment/web", 5, &out); err != nil || out.String() != "deployment.apps/web scaled\n" {
		t.Fatalf("scale: %v %q", err, out.String())
	}
	out.Reset()
	if err := runGet(c, getOptions{namespace: "default"}, "deployments", &out); err != nil || !regexp.MustCompile(`web\s+0/5`).MatchString(out.String()) {
		t.Errorf("after scaling: %v\n%s", err, out.String())
	}
	out.Reset()
	if err := runScale(c, "default", "deployment/web", 5, &out); err != nil || out.String() != "deployment.apps/web unchanged\n" {
		t.Errorf("scale to the same number: %v %q", err, out.String())
	}
	if err := runScale(c, "default", "deployment/nope", 1, &out); err == nil || !strings.Contains(err.Error(), "deployment default/nope not found") {
		t.Errorf("missing deployment: %v", err)
	}
	if err := runScale(c, "default", "web", 1, &out); err == nil || !strings.Contains(err.Error(), "name it deployment/NAME") {
		t.Errorf("bare name: %v", err)
	}
	if err := runScale(c, "default", "deployment/web", -1, &out); err == nil || !strings.Contains(err.Error(), "spec.replicas: Invalid value: -1") {
		t.Errorf("negative replicas: %v", err)
	}

	out.Reset()
	if err := runJoinToken(c, false, true, &out); err != nil || !strings.HasPrefix(out.String(), "swarm1-") {
		t.Fatalf("join-token -q: %v %q", err, out.String())
	}
	old := out.String()
	out.Reset()
	if err := runJoinToken(c, true, false, &out); err != nil || !strings.Contains(out.String(), "swarm agent --join 127.0.0.1:") || strings.Contains(out.String(), strings.TrimSpace(old)) {
		t.Errorf("join-token --rotate: %v\n%s", err, out.String())
	}
}

func TestGetOneByName(t *testing.T) {
	c := startAgent(t)
	if err := runApply(c, "../../contrib/examples/web.yaml", false, nil, &bytes.Buffer{}); err != nil {
		t.Fatal(err)
	}
	var out bytes.Buffer
	if err := runGet(c, getOptions{namespace: "default", name: "web"}, "svc", &out); err != nil || strings.Count(out.String(), "\n") != 2 || !strings.Contains(out.String(), "web") {
		t.Errorf("get svc web: %v\n%s", err, out.String())
	}
	out.Reset()
	if err := runGet(c, getOptions{namespace: "default", name: "web", output: "yaml"}, "deployment", &out); err != nil || !strings.HasPrefix(out.String(), "apiVersion: apps/v1\nkind: Deployment\n") {
		t.Errorf("get deployment web -o yaml: %v\n%s", err, out.String())
	}
	if err := runGet(c, getOptions{namespace: "default", name: "nope"}, "deployments", &out); err == nil || err.Error() != `deployments "nope" not found in namespace default` {
		t.Errorf("missing: %v", err)
	}
}

// webWithHostPort is contrib/examples/web.yaml with its port 8080 an explicit hostPort: only
// those are a per-node resource, so that two replicas on one node make one pending.
func webWithHostPort(t *testing.T) string {
	t.Helper()
	data, err := os.ReadFile("../../contrib/examples/web.yaml")
	if err != nil {
		t.Fatal(err)
	}
	const port = "              containerPort: 8080\n"
	if !strings.Contains(string(data), port) {
		t.Fatal("web.yaml declares no containerPort 8080")
	}
	file := filepath.Join(t.TempDir(), "web.yaml")
	if err := os.WriteFile(file, []byte(strings.Replace(string(data), port, port+"              hostPort: 8080\n", 1)), 0o600); err != nil {
		t.Fatal(err)
	}
	return file
}
