// Package kubectl_test drives the real kubectl against live agents on loopback: the
// Kubernetes-compatible API as kubectl, and the tools built on its API, use it.
package kubectl_test

import (
	"bufio"
	"bytes"
	"context"
	"encoding/base64"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"

	"github.com/podman-swarm/podman-swarm/agent"
	"github.com/podman-swarm/podman-swarm/agent/events"
	"github.com/podman-swarm/podman-swarm/api"
	"github.com/podman-swarm/podman-swarm/internal/testcert"
)

// kubectlTimeout bounds every kubectl command a test runs.
const kubectlTimeout = 30 * time.Second

// cluster is agents on loopback whose API speaks HTTPS (kubectl sends a token over HTTPS
// only), a CA that verifies them, and kubeconfigs that point kubectl at them.
type cluster struct {
	t       *testing.T
	dir     string
	kubectl string // the kubectl binary
	ca      string // the CA file (the agents' certificate)
	agents  []*agent.Agent
	admin   string // the founding node's own token, with full rights
	config  string // the kubeconfig of the admin token on the first agent
}

// startCluster starts n agents (no pod runtime: the pods are placed, none runs) that join
// the first, and waits until each sees them all. It skips the test without kubectl.
func startCluster(t *testing.T, n int) *cluster {
	t.Helper()
	kubectl, err := exec.LookPath("kubectl")
	if err != nil {
		if kubectl, err = exec.LookPath("/usr/bin/kubectl"); err != nil {
			t.Skip("kubectl not found: ", err)
		}
	}
	dir := t.TempDir()
	c := &cluster{t: t, dir: dir, kubectl: kubectl, ca: filepath.Join(dir, "api.crt")}
	key := filepath.Join(dir, "api.key")
	testcert.Write(t, c.ca, key, "127.0.0.1")
	for i := range n {
		stateDir := filepath.Join(dir, fmt.Sprintf("n%d", i))
		cfg := agent.Config{NodeName: fmt.Sprintf("n%d", i), Bind: freeGossipAddr(t), APIListen: "127.0.0.1:0", StateDir: stateDir,
			Runtime: agent.RuntimeNone, TLSCert: c.ca, TLSKey: key, TLSCA: c.ca}
		if i > 0 {
			cfg.Join, cfg.JoinToken = []string{c.agents[0].Node().Addr()}, c.agents[0].Node().JoinToken()
		}
		ctx, cancel := context.WithTimeout(context.Background(), 15*time.Second)
		a, err := agent.Start(ctx, cfg)
		cancel()
		if err != nil {
			t.Fatalf("start n%d: %v", i, err)
		}
		t.Cleanup(func() { _ = a.Shutdown(false) })
		c.agents = append(c.agents, a)
	}
	token, err := os.ReadFile(filepath.Join(dir, "n0", api.TokenFile))
	if err != nil {
		t.Fatal(err)
	}
	c.admin = strings.TrimSpace(string(token))
	eventually(t, "every agent sees every agent", func() bool {
		for _, a := range c.agents {
			alive := 0
			for _, m := range a.Node().Members() {
				if m.State.String() == "alive" {
					alive++
				}
			}
			if alive != n {
				return false
			}
		}
		return true
	})
	c.config = c.kubeconfig(0, c.admin)
	return c
}

// freeGossipAddr finds a loopback port free for both TCP and UDP, as gossip needs both.
func freeGossipAddr(t *testing.T) string {
	t.Helper()
	for range 50 {
		l, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		addr := l.Addr().String()
		u, err := net.ListenPacket("udp", addr)
		l.Close()
		if err != nil {
			continue
		}
		u.Close()
		return addr
	}
	t.Fatal("no free loopback port for gossip")
	return ""
}

// kubeconfig writes a kubeconfig of token on agent i, and returns its path.
func (c *cluster) kubeconfig(i int, token string) string {
	c.t.Helper()
	ca, err := os.ReadFile(c.ca)
	if err != nil {
		c.t.Fatal(err)
	}
	path := filepath.Join(c.dir, fmt.Sprintf("kubeconfig-%d-%d", i, time.Now().UnixNano()))
	config := fmt.Sprintf(`apiVersion: v1
kind: Config
clusters:
- name: swarm
  cluster:
    server: https://%s
    certificate-authority-data: %s
users:
- name: swarm
  user:
    token: %q
contexts:
- name: swarm
  context: {cluster: swarm, user: swarm}
current-context: swarm
`, c.agents[i].APIAddr(), base64.StdEncoding.EncodeToString(ca), token)
	if err := os.WriteFile(path, []byte(config), 0o600); err != nil {
		c.t.Fatal(err)
	}
	return path
}

// run runs kubectl with the admin's kubeconfig on the first agent, and returns its
// standard output and error.
func (c *cluster) run(args ...string) (stdout, stderr string, err error) {
	return c.runWith(c.config, args...)
}

// runWith runs kubectl with kubeconfig.
func (c *cluster) runWith(kubeconfig string, args ...string) (stdout, stderr string, err error) {
	c.t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), kubectlTimeout)
	defer cancel()
	cmd := exec.CommandContext(ctx, c.kubectl, args...)
	cmd.Env = c.env(kubeconfig)
	var out, errOut bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errOut
	err = cmd.Run()
	return out.String(), errOut.String(), err
}

// env is kubectl's environment: its kubeconfig, and a home of the test's own, where it
// keeps its cache of discovery.
func (c *cluster) env(kubeconfig string) []string {
	return append(os.Environ(), "KUBECONFIG="+kubeconfig, "HOME="+c.dir, "KUBECACHEDIR="+filepath.Join(c.dir, "cache"))
}

// mustRun runs kubectl and fails the test unless it succeeds; it returns its output.
func (c *cluster) mustRun(args ...string) string {
	c.t.Helper()
	out, errOut, err := c.run(args...)
	if err != nil {
		c.t.Fatalf("kubectl %s: %v\n%s%s", strings.Join(args, " "), err, out, errOut)
	}
	return out
}

// mustFail runs kubectl, which must fail saying want on its standard error.
func (c *cluster) mustFail(kubeconfig, want string, args ...string) {
	c.t.Helper()
	out, errOut, err := c.runWith(kubeconfig, args...)
	if err == nil || !strings.Contains(errOut, want) {
		c.t.Errorf("kubectl %s: %v\n%s%s\nwant it to fail saying %q", strings.Join(args, " "), err, out, errOut, want)
	}
}

// client is the project's API client of agent i, with the admin token.
func (c *cluster) client(i int) *api.Client {
	c.t.Helper()
	ac, err := api.NewClient(api.ClientConfig{Server: "https://" + c.agents[i].APIAddr(), Token: c.admin, CAFile: c.ca, Timeout: 10 * time.Second})
	if err != nil {
		c.t.Fatal(err)
	}
	return ac
}

// apply applies a manifest through the project's own route of the first agent, as swarm
// apply does.
func (c *cluster) apply(manifest string) {
	c.t.Helper()
	var res api.ApplyResult
	if err := c.client(0).Do(context.Background(), "POST", "/api/v1/manifests", nil, "application/yaml", []byte(manifest), &res); err != nil {
		c.t.Fatalf("apply: %v", err)
	}
}

// readOnlyToken makes a read-only API token.
func (c *cluster) readOnlyToken() string {
	c.t.Helper()
	var tok api.NewToken
	if err := c.client(0).Do(context.Background(), "POST", "/api/v1/tokens", nil, "application/json",
		[]byte(`{"readOnly":true,"description":"kubectl test"}`), &tok); err != nil {
		c.t.Fatalf("create a read-only token: %v", err)
	}
	return tok.Token
}

// event records an event about an object, as the agents record theirs.
func (c *cluster) event(kind, namespace, name, eventType, reason, message string) {
	events.NewRecorder(c.agents[0].Node(), "n0", nil, nil).Event(events.Object(kind, namespace, name), eventType, reason, message)
}

// background is a kubectl command that runs until the test ends (kubectl get -w).
type background struct {
	t     *testing.T
	lines chan string
	seen  []string
}

// start starts kubectl with the admin's kubeconfig and reads its output a line at a time.
func (c *cluster) start(args ...string) *background {
	c.t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	cmd := exec.CommandContext(ctx, c.kubectl, args...)
	cmd.Env = c.env(c.config)
	var errOut bytes.Buffer
	cmd.Stderr = &errOut
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		cancel()
		c.t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		cancel()
		c.t.Fatal(err)
	}
	b := &background{t: c.t, lines: make(chan string, 1000)}
	go func() {
		defer close(b.lines)
		s := bufio.NewScanner(stdout)
		for s.Scan() {
			b.lines <- s.Text()
		}
	}()
	c.t.Cleanup(func() {
		cancel()
		_ = cmd.Wait()
		if c.t.Failed() {
			c.t.Logf("kubectl %s: standard error:\n%s", strings.Join(args, " "), errOut.String())
		}
	})
	return b
}

// waitFor reads lines until one that contains all of want, within 15 seconds.
func (b *background) waitFor(want ...string) string {
	b.t.Helper()
	deadline := time.After(15 * time.Second)
	for {
		select {
		case line, ok := <-b.lines:
			if !ok {
				b.t.Fatalf("kubectl ended before a line with %q; it printed:\n%s", want, strings.Join(b.seen, "\n"))
			}
			b.seen = append(b.seen, line)
			if containsAll(line, want) {
				return line
			}
		case <-deadline:
			b.t.Fatalf("no line with %q within 15s; kubectl printed:\n%s", want, strings.Join(b.seen, "\n"))
		}
	}
}

func containsAll(s string, parts []string) bool {
	for _, p := range parts {
		if !strings.Contains(s, p) {
			return false
		}
	}
	return true
}

// eventually polls cond for up to 10 seconds.
func eventually(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting until %s", what)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// The event types, for the tests' events.
const (
	normal  = corev1.EventTypeNormal
	warning = corev1.EventTypeWarning
)
