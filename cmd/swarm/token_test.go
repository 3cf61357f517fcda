package main

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/podman-swarm/podman-swarm/api"
)

// isolate points the CLI's defaults (config file, local token file) into a fresh folder.
func isolate(t *testing.T) string {
	dir := t.TempDir()
	t.Setenv("XDG_CONFIG_HOME", filepath.Join(dir, "config"))
	t.Setenv("XDG_STATE_HOME", filepath.Join(dir, "state"))
	for _, v := range []string{"SWARM_SERVER", "SWARM_TOKEN", "SWARM_CA_FILE", "SWARM_CONFIG"} {
		t.Setenv(v, "")
	}
	return dir
}

// runCLI runs the swarm command line as a user would, and returns its output.
func runCLI(t *testing.T, args ...string) (string, error) {
	t.Helper()
	cmd := newRootCommand()
	var out bytes.Buffer
	cmd.SetOut(&out)
	cmd.SetErr(&out)
	cmd.SetArgs(args)
	err := cmd.Execute()
	return out.String(), err
}

// On a node, the CLI uses the local agent's token without being told; a token from a flag,
// the environment or the config file wins over it, in that order.
func TestClientSettingsPrecedence(t *testing.T) {
	dir := isolate(t)
	stateDir := filepath.Join(dir, "state", "swarm")
	a, _ := startLiveAgent(t, "n1", stateDir)
	nodeToken, err := os.ReadFile(filepath.Join(stateDir, api.TokenFile))
	if err != nil {
		t.Fatal(err)
	}
	t.Setenv("SWARM_SERVER", a.APIAddr())
	if out, err := runCLI(t, "get", "nodes"); err != nil || !strings.Contains(out, "n1") {
		t.Fatalf("with the local token: %v\n%s", err, out)
	}

	o := clientOptions{}
	cfg, _ := o.resolve()
	if cfg.Token != strings.TrimSpace(string(nodeToken)) || cfg.Server != a.APIAddr() {
		t.Errorf("resolved %+v", cfg)
	}
	configFile := filepath.Join(dir, "config", "swarm", "config.yaml")
	writeTestFile(t, configFile, "server: http://from-config:7070\ntoken: swarmapi-config\ncertificate-authority: /ca.pem\n")
	t.Setenv("SWARM_SERVER", "")
	cfg, _ = o.resolve()
	if cfg.Server != "http://from-config:7070" || cfg.Token != "swarmapi-config" || cfg.CAFile != "/ca.pem" {
		t.Errorf("config file: %+v", cfg)
	}
	t.Setenv("SWARM_TOKEN", "swarmapi-env")
	if cfg, _ = o.resolve(); cfg.Token != "swarmapi-env" {
		t.Errorf("the environment does not win over the config file: %+v", cfg)
	}
	o.token = "swarmapi-flag"
	if cfg, _ = o.resolve(); cfg.Token != "swarmapi-flag" {
		t.Errorf("the flag does not win over the environment: %+v", cfg)
	}

	// A wrong token is one clear sentence.
	if err := os.Remove(configFile); err != nil {
		t.Fatal(err)
	}
	t.Setenv("SWARM_SERVER", a.APIAddr())
	out, err := runCLI(t, "get", "pods", "--token", "swarmapi-0123456789abcdef.nope")
	if err == nil || !strings.Contains(err.Error(), "the API token is not valid") || !strings.Contains(err.Error(), "refused the token") {
		t.Errorf("wrong token: %v\n%s", err, out)
	}
	// A broken config file names itself and its keys.
	writeTestFile(t, configFile, "sever: typo\n")
	if _, err := (clientOptions{}).resolve(); err == nil || !strings.Contains(err.Error(), configFile) || !strings.Contains(err.Error(), "keys: server, token") {
		t.Errorf("broken config file: %v", err)
	}
	if _, err := (clientOptions{config: filepath.Join(dir, "missing.yaml")}).resolve(); err == nil {
		t.Error("a missing --config file was ignored")
	}
}

func writeTestFile(t *testing.T, path, content string) {
	t.Helper()
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, []byte(content), 0o600); err != nil {
		t.Fatal(err)
	}
}

func TestTokenCommands(t *testing.T) {
	isolate(t)
	c := startAgent(t)
	t.Setenv("SWARM_SERVER", c.server())
	t.Setenv("SWARM_TOKEN", c.cfg.Token)
	out, err := runCLI(t, "token", "create", "--description", "ci deploys", "--ttl", "720h")
	if err != nil || !regexp.MustCompile(`(?s)token [0-9a-f]{16} created, expires .*shown only now.*\n  swarmapi-[0-9a-f]{16}\.\S+\n`).MatchString(out) {
		t.Fatalf("token create: %v\n%s", err, out)
	}
	created := regexp.MustCompile(`swarmapi-\S+`).FindString(out)
	ro, err := runCLI(t, "token", "create", "--read-only", "-q")
	if err != nil || !strings.HasPrefix(ro, "swarmapi-") || strings.Count(ro, "\n") != 1 {
		t.Fatalf("token create -q: %v %q", err, ro)
	}
	// The read-only token reads but cannot apply.
	if out, err := runCLI(t, "get", "pods", "--token", strings.TrimSpace(ro)); err != nil {
		t.Errorf("read-only get: %v %s", err, out)
	}
	if _, err := runCLI(t, "apply", "-f", "../../contrib/examples/web.yaml", "--token", strings.TrimSpace(ro)); err == nil || !strings.Contains(err.Error(), "read-only") {
		t.Errorf("read-only apply: %v", err)
	}
	out, err = runCLI(t, "token", "list")
	if err != nil || !regexp.MustCompile(`ID\s+STATUS\s+ACCESS\s+AGE\s+EXPIRES\s+CREATED BY\s+DESCRIPTION`).MatchString(out) ||
		!strings.Contains(out, "ci deploys") || !strings.Contains(out, "read-only") || strings.Contains(out, "swarmapi-") {
		t.Errorf("token list:\n%s", out)
	}
	id, _, _ := strings.Cut(strings.TrimPrefix(created, "swarmapi-"), ".")
	if out, err := runCLI(t, "token", "revoke", id); err != nil || out != "token "+id+" revoked\n" {
		t.Errorf("revoke: %v %q", err, out)
	}
	if _, err := runCLI(t, "get", "pods", "--token", created); err == nil || !strings.Contains(err.Error(), "revoked") {
		t.Errorf("a revoked token still works: %v", err)
	}
	if out, _ := runCLI(t, "token", "list"); !regexp.MustCompile(id + `\s+revoked`).MatchString(out) {
		t.Errorf("the list does not show the revocation:\n%s", out)
	}
	if _, err := runCLI(t, "token", "create", "--ttl", "-1h"); err == nil {
		t.Error("a negative ttl was taken")
	}
}

func TestDNSWhitelistCommands(t *testing.T) {
	isolate(t)
	c := startAgent(t)
	t.Setenv("SWARM_SERVER", c.server())
	t.Setenv("SWARM_TOKEN", c.cfg.Token)
	steps := []struct {
		args []string
		want string
	}{
		{[]string{"get"}, "disabled: every name is forwarded\n"},
		{[]string{"set", "Example.com", "debian.org"}, "enabled: only these hosts and their subdomains are resolved outside the cluster:\n  debian.org\n  example.com\n"},
		{[]string{"add", "pkg.dev"}, "  debian.org\n  example.com\n  pkg.dev\n"},
		{[]string{"remove", "debian.org"}, "  example.com\n  pkg.dev\n"},
		{[]string{"set", "--enabled=false"}, "disabled: every name is forwarded\nhosts kept for when it is enabled (swarm dns whitelist set --enabled ...):\n  example.com\n  pkg.dev\n"},
	}
	for _, s := range steps {
		out, err := runCLI(t, append([]string{"dns", "whitelist"}, s.args...)...)
		if err != nil || !strings.HasSuffix(out, s.want) {
			t.Errorf("dns whitelist %v: %v\n%s\nwant suffix:\n%s", s.args, err, out, s.want)
		}
	}
	if _, err := runCLI(t, "dns", "whitelist", "add", "not a host"); err == nil || !strings.Contains(err.Error(), `"not a host" is not a host name`) {
		t.Errorf("bad host: %v", err)
	}
	if _, err := runCLI(t, "dns", "whitelist", "remove", "absent.org"); err == nil || !strings.Contains(err.Error(), "absent.org is not in the whitelist") {
		t.Errorf("remove absent: %v", err)
	}
}

func TestRolloutStatus(t *testing.T) {
	c := startAgent(t)
	if err := runApply(c, webWithHostPort(t), false, nil, &bytes.Buffer{}); err != nil {
		t.Fatal(err)
	}
	// --runtime none runs nothing, so the pods never become ready: the command shows where
	// the rollout stands and why, and gives up at its timeout.
	ctx, cancel := contextWithTimeout(2 * time.Second)
	defer cancel()
	var out bytes.Buffer
	err := runRolloutStatus(ctx, c, "default", "web", 100*time.Millisecond, &out)
	if err == nil || !strings.Contains(err.Error(), `timed out waiting for the rollout of deployment "web"`) {
		t.Errorf("err = %v", err)
	}
	if !strings.Contains(out.String(), `Waiting for deployment "web" rollout to finish: `) ||
		!strings.Contains(out.String(), "nodes are available: 1 node(s) have port 8080/TCP in use") {
		t.Errorf("progress:\n%s", out.String())
	}
	if err := runRolloutStatus(ctx, c, "default", "nope", time.Millisecond, &out); err == nil || !strings.Contains(err.Error(), `deployment "nope" not found`) {
		t.Errorf("missing deployment: %v", err)
	}
	for _, bad := range []string{"svc/web", "deployment/", "pods/x"} {
		if _, err := deploymentName(bad); err == nil {
			t.Errorf("deploymentName(%q) accepted", bad)
		}
	}
}

func TestDescribeKinds(t *testing.T) {
	c := startAgent(t)
	if err := runApply(c, "../../contrib/examples/web.yaml", false, nil, &bytes.Buffer{}); err != nil {
		t.Fatal(err)
	}
	for deadline := time.Now().Add(5 * time.Second); ; time.Sleep(20 * time.Millisecond) {
		if pods, err := listPods(c, "default"); err == nil && len(pods) == 2 && (pods[0].Spec.NodeName != "" || pods[1].Spec.NodeName != "") {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("no pod placed")
		}
	}
	for _, tc := range []struct {
		kind, name string
		want       []string
	}{
		{"deployment", "web", []string{"Name:", "web", "Replicas:", "2 desired", "StrategyType:", "Pod Template:", "Image:", "Pods:"}},
		{"svc", "web", []string{"Selector:", "app=web", "Port:", "DNS:", "web.default.svc.cluster.local", "Endpoints:"}},
		{"ingress", "web", []string{"Ingress Class:", "Rules:", "web.example.test", "web:"}},
		{"node", "n1", []string{"Name:", "n1", "InternalIP:", "Ready:", "Pods:", "default/web-"}},
	} {
		var out bytes.Buffer
		if err := runDescribeKind(c, tc.kind, "default", tc.name, &out); err != nil {
			t.Errorf("describe %s: %v", tc.kind, err)
			continue
		}
		for _, w := range tc.want {
			if !strings.Contains(out.String(), w) {
				t.Errorf("describe %s lacks %q:\n%s", tc.kind, w, out.String())
			}
		}
	}
	var out bytes.Buffer
	if err := runDescribeKind(c, "replicaset", "default", "x", &out); err == nil || !strings.Contains(err.Error(), "use pod, deployment, statefulset, daemonset, job, cronjob, service, ingress, configmap, secret, pvc, namespace or node") {
		t.Errorf("unknown kind: %v", err)
	}
	if err := runDescribeKind(c, "svc", "default", "nope", &out); err == nil || !strings.Contains(err.Error(), `service "nope" not found`) {
		t.Errorf("missing service: %v", err)
	}
}

func contextWithTimeout(d time.Duration) (context.Context, context.CancelFunc) {
	return context.WithTimeout(context.Background(), d)
}

// A Deployment applied through another node a moment ago may not be on this one yet:
// rollout status waits a little for it to appear.
func TestRolloutStatusWaitsForTheDeployment(t *testing.T) {
	c := startAgent(t)
	go func() {
		time.Sleep(300 * time.Millisecond)
		_ = runApply(c, "../../contrib/examples/web.yaml", false, nil, &bytes.Buffer{})
	}()
	ctx, cancel := contextWithTimeout(1500 * time.Millisecond)
	defer cancel()
	var out bytes.Buffer
	err := runRolloutStatus(ctx, c, "default", "web", 100*time.Millisecond, &out)
	if err == nil || !strings.Contains(err.Error(), "timed out waiting for the rollout") || !strings.Contains(out.String(), `Waiting for deployment "web"`) {
		t.Errorf("err = %v\n%s", err, out.String())
	}
}
