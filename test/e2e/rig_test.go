package e2e

import (
	"bytes"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"testing"
	"time"
)

// The rig's nodes: swarm-n1 198.18.0.11, swarm-n2 .12, swarm-n3 .13.
const nodeCount = 3

func nodeAddr(i int) string { return fmt.Sprintf("198.18.0.%d", 10+i) }
func nodeName(i int) string { return fmt.Sprintf("n%d", i) }

// rig is the cluster the tests share: booted once in TestMain, torn down at the end.
type rigEnv struct {
	dir   string // this file's folder: the rig scripts
	bin   string // temp folder with swarm and testserver, built for the test
	swarm string // the swarm binary on the host
	token string // node 1's API token, which every node accepts
}

var env rigEnv

// rigUp is set once the rig runs: the tests need it.
var rigUp bool

// needRig skips a test when the rig was not asked for: `make e2e` (and CI) asks for it.
func needRig(t *testing.T) {
	if !rigUp {
		t.Skip("the end-to-end rig is off: run `make e2e` (as root), or set SWARM_E2E_CLUSTER=1")
	}
}

func TestMain(m *testing.M) {
	if os.Getenv("SWARM_E2E_CLUSTER") == "" {
		os.Exit(m.Run())
	}
	code, err := runWithRig(m)
	if err != nil {
		fmt.Fprintln(os.Stderr, "e2e:", err)
		os.Exit(1)
	}
	os.Exit(code)
}

func runWithRig(m *testing.M) (int, error) {
	_, file, _, _ := runtime.Caller(0)
	env.dir = filepath.Dir(file)
	var err error
	if env.bin, err = os.MkdirTemp("", "swarm-e2e-"); err != nil {
		return 0, err
	}
	defer os.RemoveAll(env.bin)
	root := filepath.Join(env.dir, "..", "..")
	// The nodes run the packaged swarm; the host runs this one as the client.
	for name, pkg := range map[string]string{"swarm": "./cmd/swarm", "testserver": "./contrib/testserver"} {
		cmd := exec.Command("go", "build", "-trimpath", "-o", filepath.Join(env.bin, name), pkg)
		cmd.Dir, cmd.Env = root, append(os.Environ(), "CGO_ENABLED=0")
		if out, err := cmd.CombinedOutput(); err != nil {
			return 0, fmt.Errorf("build %s: %v\n%s", pkg, err, out)
		}
	}
	env.swarm = filepath.Join(env.bin, "swarm")
	// A rig left over by a killed run would make `up` fail: start from nothing.
	_, _ = rigCmd("down")
	defer func() {
		if out, err := rigCmd("down"); err != nil {
			fmt.Fprintf(os.Stderr, "e2e: rig down: %v\n%s", err, out)
		}
	}()
	start := time.Now()
	if out, err := rigCmd("up", fmt.Sprint(nodeCount)); err != nil {
		return 0, fmt.Errorf("rig up: %v\n%s", err, out)
	}
	fmt.Printf("e2e: %d nodes up in %s\n", nodeCount, time.Since(start).Round(time.Second))
	if err := installCluster(); err != nil {
		return 0, err
	}
	rigUp = true
	return m.Run(), nil
}

// rigCmd runs test/e2e/rig with args and returns its combined output.
func rigCmd(args ...string) (string, error) {
	cmd := exec.Command(filepath.Join(env.dir, "rig"), args...)
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	err := cmd.Run()
	return out.String(), err
}

// onNode runs a command as the user `swarm` on node i (its systemd --user reachable).
func onNode(i int, args ...string) (string, error) {
	return rigCmd(append([]string{"user", fmt.Sprint(i)}, args...)...)
}

// fromNode runs a host binary inside node i's network namespace: the CLI as a person on
// that node would run it, without copying it in.
func fromNode(i int, args ...string) (string, error) {
	cmd := exec.Command("ip", append([]string{"netns", "exec", "swarm-" + nodeName(i)}, args...)...)
	out, err := cmd.CombinedOutput()
	return string(out), err
}

// swarmCLI runs `swarm ARGS -s NODE_API` from node i, with node 1's token.
func swarmCLI(i int, args ...string) (string, error) {
	// The flags go before a "--", after which the words belong to the command run (exec).
	at := slices.Index(args, "--")
	if at < 0 {
		at = len(args)
	}
	line := append([]string{env.swarm}, args[:at]...)
	line = append(line, "--server", nodeAddr(i)+":7070", "--token", env.token)
	return fromNode(i, append(line, args[at:]...)...)
}

// httpGet fetches a URL from node i's namespace with the swarm probe's client... as a body:
// busybox wget works on the host (not inside containers) when given no -T.
func httpGet(i int, url string) (string, error) {
	return fromNode(i, "timeout", "5", "busybox", "wget", "-q", "-O", "-", url)
}

// httpGetHost is httpGet with the request's Host header set, as a browser sends it for
// a name that points at the node.
func httpGetHost(i int, url, host string) (string, error) {
	return fromNode(i, "timeout", "5", "busybox", "wget", "-q", "-O", "-", "--header", "Host: "+host, url)
}

// eventually retries cond until it holds or the deadline passes, and says what it waited for.
func eventually(t *testing.T, within time.Duration, what string, cond func() (bool, string)) {
	t.Helper()
	deadline := time.Now().Add(within)
	last := ""
	for {
		ok, state := cond()
		if ok {
			return
		}
		last = state
		if time.Now().After(deadline) {
			t.Fatalf("timed out after %s waiting until %s; last seen:\n%s", within, what, last)
		}
		time.Sleep(300 * time.Millisecond)
	}
}

// installCluster installs the Debian package (`make deb`, run by `make e2e` before the
// tests) on every node and sets the agents up as the README tells a person to: as the user,
// an env file with the flags and `systemctl --user enable --now swarm-agent`; n1 founds the
// cluster, the others join it with its token. Then the companions, swarm-dns and
// swarm-ingress, are enabled the same way on every node, pointed at the node's agent.
func installCluster() error {
	deb, err := newestDeb(filepath.Join(env.dir, "..", "..", "dist"))
	if err != nil {
		return err
	}
	token := ""
	for i := 1; i <= nodeCount; i++ {
		n := fmt.Sprint(i)
		steps := [][]string{
			{"cp-in", n, deb, "/tmp/podman-swarm.deb"},
			// The nodes reach no mirror: the dependencies are in the tree already, and the
			// recommended bash-completion is left out.
			{"exec", n, "env", "DEBIAN_FRONTEND=noninteractive", "apt-get", "install", "-y", "--no-install-recommends", "/tmp/podman-swarm.deb"},
			{"image", n, "swarm-testserver", filepath.Join(env.bin, "testserver")},
			{"user", n, "podman", "tag", "localhost/swarm-testserver:latest", "localhost/swarm-testserver:v2"},
			{"user", n, "mkdir", "-p", "/home/swarm/.config/swarm"},
		}
		for _, s := range steps {
			if out, err := rigCmd(s...); err != nil {
				return fmt.Errorf("rig %s: %v\n%s", strings.Join(s, " "), err, out)
			}
		}
		// The API listens where it does by default (every address, port 7070), so that the
		// CLI on the node finds it without flags.
		flags := fmt.Sprintf("--node-name %s --bind %s:7946 --label node=%s", nodeName(i), nodeAddr(i), nodeName(i))
		if i > 1 {
			flags += fmt.Sprintf(" --join %s:7946 --join-token %s", nodeAddr(1), token)
		}
		envFile := filepath.Join(env.bin, fmt.Sprintf("agent-%d.env", i))
		if err := os.WriteFile(envFile, []byte("SWARM_AGENT_FLAGS="+flags+"\n"), 0o644); err != nil {
			return err
		}
		if out, err := rigCmd("cp-in", n, envFile, "/home/swarm/.config/swarm/agent.env"); err != nil {
			return fmt.Errorf("copy the agent's flags: %v\n%s", err, out)
		}
		if out, err := onNode(i, "systemctl", "--user", "enable", "--now", "swarm-agent"); err != nil {
			return fmt.Errorf("start the agent on node %d: %v\n%s", i, err, out)
		}
		if i == 1 {
			deadline := time.Now().Add(20 * time.Second)
			for token == "" {
				out, err := onNode(1, "cat", "/home/swarm/.local/state/swarm/join-token")
				if err == nil && strings.HasPrefix(strings.TrimSpace(out), "swarm1-") {
					token = strings.TrimSpace(out)
					break
				}
				if time.Now().After(deadline) {
					logs, _ := onNode(1, "journalctl", "--user", "-u", "swarm-agent", "--no-pager", "-n", "30")
					return fmt.Errorf("node 1 wrote no join token: %s\n%s", out, logs)
				}
				time.Sleep(200 * time.Millisecond)
			}
			out, err := onNode(1, "cat", "/home/swarm/.local/state/swarm/api-token")
			if env.token = strings.TrimSpace(out); err != nil || !strings.HasPrefix(env.token, "swarmapi-") {
				return fmt.Errorf("node 1 wrote no API token: %v %s", err, out)
			}
		}
	}
	for i := 1; i <= nodeCount; i++ {
		if err := startCompanions(i); err != nil {
			return err
		}
	}
	deadline := time.Now().Add(30 * time.Second)
	for {
		out, err := swarmCLI(1, "get", "nodes")
		if err == nil && strings.Count(out, " Ready ") == nodeCount {
			return nil
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("the %d agents did not all join: %v\n%s", nodeCount, err, out)
		}
		time.Sleep(300 * time.Millisecond)
	}
}

// startCompanions writes the flags of swarm dns and swarm ingress on node i, as
// packaging/README.md tells a person to, and enables both units. The agent's API listens on
// the node's address only, so both are told where; DNS keeps its default 0.0.0.0:53, which
// the agent's default --pod-dns (the node's address) reaches.
func startCompanions(i int) error {
	api := "http://" + nodeAddr(i) + ":7070"
	if err := writeNodeFile(i, "dns.env", "SWARM_DNS_FLAGS=--agent "+api+"\n"); err != nil {
		return err
	}
	if err := writeNodeFile(i, "ingress.env", ingressEnv(i, "")); err != nil {
		return err
	}
	if out, err := onNode(i, "systemctl", "--user", "enable", "--now", "swarm-dns", "swarm-ingress"); err != nil {
		return fmt.Errorf("start swarm-dns and swarm-ingress on node %d: %v\n%s", i, err, out)
	}
	return nil
}

// ingressEnv is node i's ingress.env, with extra flags.
func ingressEnv(i int, extra string) string {
	return fmt.Sprintf("SWARM_INGRESS_FLAGS=--agent http://%s:7070 --node-name %s --node-address %s %s\n", nodeAddr(i), nodeName(i), nodeAddr(i), extra)
}

// writeNodeFile writes ~/.config/swarm/NAME of the user swarm on node i.
func writeNodeFile(i int, name, text string) error {
	local := filepath.Join(env.bin, fmt.Sprintf("%d-%s", i, name))
	if err := os.WriteFile(local, []byte(text), 0o644); err != nil {
		return err
	}
	if out, err := rigCmd("cp-in", fmt.Sprint(i), local, "/home/swarm/.config/swarm/"+name); err != nil {
		return fmt.Errorf("copy %s to node %d: %v\n%s", name, i, err, out)
	}
	return nil
}

// newestDeb finds the package `make deb` wrote last.
func newestDeb(dist string) (string, error) {
	debs, _ := filepath.Glob(filepath.Join(dist, "podman-swarm_*_amd64.deb"))
	newest, when := "", time.Time{}
	for _, d := range debs {
		if info, err := os.Stat(d); err == nil && info.ModTime().After(when) {
			newest, when = d, info.ModTime()
		}
	}
	if newest == "" {
		return "", fmt.Errorf("no package in %s: run make deb (make e2e does)", dist)
	}
	return newest, nil
}
