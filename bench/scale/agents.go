package main

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"time"

	"github.com/podman-swarm/podman-swarm/bench/internal/benchproc"
)

// agent is one `swarm agent --runtime none` process.
type agent struct {
	name, addr, dir string
	cmd             *exec.Cmd
	exited          chan struct{} // closed once cmd has exited
}

func (a *agent) api(path string) string { return "http://" + a.addr + ":7070" + path }

// client is shared by every poll, so that connections are reused: a new connection per
// request to 50 agents would measure the kernel more than the agents.
var client = &http.Client{Timeout: 5 * time.Second, Transport: &http.Transport{MaxIdleConnsPerHost: 4}}

// startAgents starts n agents on net.(11+i), each joining the first, and waits until
// every one sees all of them and a leader.
func startAgents(bin, dir, net string, n int) []*agent {
	var agents []*agent
	for i := range n {
		a := &agent{name: fmt.Sprintf("s%02d", i), addr: fmt.Sprintf("%s.%d", net, 11+i)}
		a.dir = filepath.Join(dir, a.name)
		var join []string
		if i > 0 {
			token, err := os.ReadFile(filepath.Join(agents[0].dir, "join-token"))
			benchproc.Check(err)
			join = []string{"--join", agents[0].addr + ":7946", "--join-token", strings.TrimSpace(string(token))}
		}
		startAgent(bin, a, join...)
		agents = append(agents, a)
	}
	waitMembers(agents, n, 120*time.Second)
	return agents
}

// startAgent starts one agent, its log in its folder, and waits until its API answers
// (the first must have written its join token before the next one starts).
func startAgent(bin string, a *agent, extra ...string) {
	benchproc.Check(os.MkdirAll(a.dir, 0o700))
	logf, err := os.OpenFile(filepath.Join(a.dir, "agent.log"), os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o600)
	benchproc.Check(err)
	// --no-auth: the figures are about replication, and plain HTTP calls then need no
	// token per node.
	args := []string{"agent", "--node-name", a.name, "--bind", a.addr + ":7946", "--api-listen", a.addr + ":7070",
		"--state-dir", a.dir, "--runtime", "none", "--no-auth"}
	a.cmd = exec.Command(bin, append(args, extra...)...)
	a.cmd.Stdout, a.cmd.Stderr = logf, logf
	// SIGKILL should this program die without stopping it.
	a.cmd.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}
	benchproc.Check(a.cmd.Start())
	exited := make(chan struct{})
	a.exited = exited
	go func(cmd *exec.Cmd) { _ = cmd.Wait(); _ = logf.Close(); close(exited) }(a.cmd)
	deadline := time.Now().Add(20 * time.Second)
	for time.Now().Before(deadline) {
		if _, err := getJSON[map[string]any](a.api("/healthz")); err == nil {
			return
		}
		time.Sleep(50 * time.Millisecond)
	}
	benchproc.Fatalf("%s did not answer on %s; see %s", a.name, a.api("/healthz"), filepath.Join(a.dir, "agent.log"))
}

// stopAgents kills every agent and waits until they are gone.
func stopAgents(agents []*agent) {
	for _, a := range agents {
		if a.cmd != nil && a.cmd.Process != nil {
			_ = a.cmd.Process.Kill()
		}
	}
	for _, a := range agents {
		if a.exited != nil {
			<-a.exited
		}
	}
}

type stats struct {
	Leader              string `json:"leader"`
	Members             int    `json:"members"`
	GossipSentBytes     uint64 `json:"gossipSentBytes"`
	GossipReceivedBytes uint64 `json:"gossipReceivedBytes"`
	HealthScore         int    `json:"healthScore"`
}

func waitMembers(agents []*agent, n int, within time.Duration) {
	deadline := time.Now().Add(within)
	for time.Now().Before(deadline) {
		ok := true
		for _, a := range agents {
			s, err := getJSON[stats](a.api("/stats"))
			if err != nil || s.Members != n || s.Leader == "" {
				ok = false
				break
			}
		}
		if ok {
			return
		}
		time.Sleep(200 * time.Millisecond)
	}
	benchproc.Fatalf("the %d agents did not all see each other within %s", n, within)
}

func get(url string) ([]byte, error) {
	resp, err := client.Get(url)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		return nil, err
	}
	if resp.StatusCode != http.StatusOK {
		return nil, fmt.Errorf("%s: HTTP %d", url, resp.StatusCode)
	}
	return body, nil
}

func getJSON[T any](url string) (T, error) {
	var v T
	body, err := get(url)
	if err != nil {
		return v, err
	}
	return v, json.Unmarshal(body, &v)
}

func applyYAML(a *agent, yaml string) error {
	return benchproc.ApplyManifest(client, a.api("/api/v1/manifests"), yaml)
}

// deployments is count Deployments of replicas each in namespace, as one manifest that
// makes the namespace too: objects go only into a namespace that exists.
func deployments(namespace string, count, replicas int) string {
	var b strings.Builder
	fmt.Fprintf(&b, "apiVersion: v1\nkind: Namespace\nmetadata: {name: %s}\n", namespace)
	for i := range count {
		name := fmt.Sprintf("d%03d", i)
		fmt.Fprintf(&b, `---
apiVersion: apps/v1
kind: Deployment
metadata: {name: %s, namespace: %s}
spec:
  replicas: %d
  selector: {matchLabels: {app: %s}}
  template:
    metadata: {labels: {app: %s}}
    spec:
      containers: [{name: main, image: localhost/bench:1}]
`, name, namespace, replicas, name, name)
	}
	return b.String()
}
