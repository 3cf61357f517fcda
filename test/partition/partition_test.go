// Package partition cuts a cluster of five real agents in two with network namespaces and
// checks what each side does, and how the cluster heals.
package partition

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"maps"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"
)

// TestPartition runs five `swarm agent --runtime none` processes, each in a network
// namespace of its own (198.18.1.1-5, no route out), joined by two bridges in a sixth
// namespace: n1 and n2 on one, n3, n4 and n5 on the other, and a link between the bridges
// that the test takes down to cut the cluster in two, the leader (n1, the founder) on the
// small side. It runs twice, without and with --self-fence.
//
// It needs root and iproute2; make test runs it (SWARM_E2E=1, as root). It takes about a
// minute, and removes every namespace and process it made, also when it fails.
func TestPartition(t *testing.T) {
	if os.Getenv("SWARM_E2E") != "1" {
		t.Skip("set SWARM_E2E=1 (as root) to cut a cluster of five agents in two with network namespaces")
	}
	if os.Geteuid() != 0 {
		t.Skip("SWARM_E2E=1 is set, but creating network namespaces (ip netns) needs root: run as root")
	}
	if _, err := exec.LookPath("ip"); err != nil {
		t.Fatalf("the partition test needs iproute2's ip: %v", err)
	}
	swarm := filepath.Join(t.TempDir(), "swarm")
	build := exec.Command("go", "build", "-o", swarm, "./cmd/swarm")
	build.Dir = filepath.Join("..", "..")
	build.Env = append(os.Environ(), "CGO_ENABLED=0")
	if out, err := build.CombinedOutput(); err != nil {
		t.Fatalf("build swarm: %v\n%s", err, out)
	}
	for _, fence := range []bool{false, true} {
		name := "without fencing"
		if fence {
			name = "with --self-fence"
		}
		t.Run(name, func(t *testing.T) { runPartition(t, swarm, fence) })
	}
}

const (
	nodes    = 5
	probe    = 500 * time.Millisecond
	grace    = time.Second
	replicas = 5
)

// small are the nodes cut off with the leader; the others are the large side.
var small = map[string]bool{"n1": true, "n2": true}

func runPartition(t *testing.T, swarm string, fence bool) {
	ctx, cancel := context.WithTimeout(context.Background(), 80*time.Second)
	defer cancel()
	r := newRig(t, swarm)
	for i := 1; i <= nodes; i++ {
		r.startAgent(i, fence)
	}
	r.waitUntil(ctx, 20*time.Second, "every agent lists every node", func() bool {
		for i := 1; i <= nodes; i++ {
			if n, err := r.nodeCount(i); err != nil || n != nodes {
				return false
			}
		}
		return true
	})

	manifest := filepath.Join(r.dir, "web.yaml")
	writeFile(t, manifest, fmt.Sprintf(`apiVersion: apps/v1
kind: Deployment
metadata: {name: web}
spec:
  replicas: %d
  selector: {matchLabels: {app: web}}
  template:
    metadata: {labels: {app: web}}
    spec:
      containers:
        - {name: main, image: localhost/test:1}
`, replicas))
	if out, err := r.cli(3, "apply", "-f", manifest); err != nil {
		t.Fatalf("apply: %v\n%s", err, out)
	}
	var before map[string]string
	r.waitUntil(ctx, 20*time.Second, "every agent lists the 5 pods, one per node", func() bool {
		p, ok := r.agreed(1, 2, 3, 4, 5)
		if !ok || len(p) != replicas {
			return false
		}
		for i := 1; i <= nodes; i++ {
			if countOn(p, node(i)) != 1 {
				return false
			}
		}
		before = p
		return true
	})

	cut := time.Now()
	r.ip("-n", r.bridge, "link", "set", "cut0", "down")
	t.Logf("cut n1 and n2 off from n3, n4 and n5; placement before: %v", before)

	// The large side places the small side's pods on its own nodes after failure
	// detection and the grace.
	r.waitUntil(ctx, 30*time.Second, "the large side lists 5 pods on its 3 nodes", func() bool {
		p, ok := r.agreed(3, 4, 5)
		return ok && len(p) == replicas && countOn(p, "n1")+countOn(p, "n2") == 0
	})
	replaced := r.firstAfter(cut, "pod assigned", 3, 4, 5)
	t.Logf("first replacement %s after the cut", replaced.Sub(cut).Round(time.Millisecond))

	// The small side: its leader sees the others dead, says why it does not schedule, and
	// writes nothing.
	r.waitUntil(ctx, 30*time.Second, "the small side's leader says it does not schedule", func() bool {
		return !r.firstAfter(cut, "not scheduling", 1).IsZero()
	})
	for _, i := range []int{1, 2} {
		if at := r.firstAfter(cut, "pod assigned", i); !at.IsZero() {
			t.Errorf("%s assigned a pod %s after the cut", node(i), at.Sub(cut))
		}
		p, err := r.placement(i)
		if err != nil {
			t.Fatalf("%s: %v", node(i), err)
		}
		if !maps.Equal(p, before) {
			t.Errorf("%s's view changed during the cut: %v; was %v", node(i), p, before)
		}
	}
	if fence {
		for _, i := range []int{1, 2} {
			fenced := r.firstAfter(cut, "fenced:", i)
			switch {
			case fenced.IsZero():
				t.Errorf("%s did not fence itself", node(i))
			case !fenced.Before(replaced):
				t.Errorf("%s fenced itself %s after the cut, not before the first replacement %s after it",
					node(i), fenced.Sub(cut), replaced.Sub(cut))
			default:
				t.Logf("%s fenced itself %s after the cut", node(i), fenced.Sub(cut).Round(time.Millisecond))
			}
		}
		for _, i := range []int{3, 4, 5} {
			if at := r.firstAfter(cut, "fenced:", i); !at.IsZero() {
				t.Errorf("%s, on the large side, fenced itself", node(i))
			}
		}
	}

	// The heal: the large side's placement never changes, and every agent ends with it.
	want, _ := r.agreed(3, 4, 5)
	heal := time.Now()
	r.ip("-n", r.bridge, "link", "set", "cut0", "up")
	r.waitUntil(ctx, 30*time.Second, "every agent lists the large side's 5 pods", func() bool {
		for _, i := range []int{3, 4, 5} {
			if p, err := r.placement(i); err == nil && !maps.Equal(p, want) {
				t.Fatalf("during the heal %s's view changed: %v; was %v", node(i), p, want)
			}
		}
		p, ok := r.agreed(1, 2, 3, 4, 5)
		return ok && maps.Equal(p, want)
	})
	t.Logf("every agent agrees %s after the heal", time.Since(heal).Round(time.Millisecond))
	if fence {
		r.waitUntil(ctx, 20*time.Second, "the small side lifts its fences", func() bool {
			return !r.firstAfter(heal, "fence lifted", 1).IsZero() && !r.firstAfter(heal, "fence lifted", 2).IsZero()
		})
	}
}

// rig is the namespaces and agents of one run.
type rig struct {
	t      *testing.T
	swarm  string
	dir    string
	bridge string   // the bridges' namespace
	ns     []string // the nodes' namespaces, n1 first
	agents []*exec.Cmd
	logs   []string // each agent's log file
}

func node(i int) string { return "n" + strconv.Itoa(i) }
func addr(i int) string { return "198.18.1." + strconv.Itoa(i) }

// newRig makes the namespaces: in the bridge namespace, br-small (n1, n2) and br-large
// (n3, n4, n5) joined by the veth pair cut0-cut1; each node namespace has eth0, its
// address, and lo. Everything is removed when the test ends.
func newRig(t *testing.T, swarm string) *rig {
	id := strconv.Itoa(os.Getpid() % 100000)
	r := &rig{t: t, swarm: swarm, dir: t.TempDir(), bridge: "swpart-" + id + "-br"}
	for i := 1; i <= nodes; i++ {
		r.ns = append(r.ns, "swpart-"+id+"-"+node(i))
	}
	t.Cleanup(r.cleanup)
	for _, ns := range append([]string{r.bridge}, r.ns...) {
		r.ip("netns", "add", ns)
	}
	b := []string{"-n", r.bridge}
	r.ip(append(b, "link", "add", "br-small", "type", "bridge")...)
	r.ip(append(b, "link", "add", "br-large", "type", "bridge")...)
	r.ip(append(b, "link", "add", "cut0", "type", "veth", "peer", "name", "cut1")...)
	r.ip(append(b, "link", "set", "cut0", "master", "br-large")...)
	r.ip(append(b, "link", "set", "cut1", "master", "br-small")...)
	for i := 1; i <= nodes; i++ {
		port, ns := "p"+strconv.Itoa(i), r.ns[i-1]
		r.ip(append(b, "link", "add", port, "type", "veth", "peer", "name", "eth0", "netns", ns)...)
		bridge := "br-large"
		if small[node(i)] {
			bridge = "br-small"
		}
		r.ip(append(b, "link", "set", port, "master", bridge)...)
		r.ip(append(b, "link", "set", port, "up")...)
		r.ip("-n", ns, "addr", "add", addr(i)+"/24", "dev", "eth0")
		r.ip("-n", ns, "link", "set", "eth0", "up")
		r.ip("-n", ns, "link", "set", "lo", "up")
	}
	for _, dev := range []string{"br-small", "br-large", "cut0", "cut1"} {
		r.ip(append(b, "link", "set", dev, "up")...)
	}
	return r
}

// cleanup stops the agents and removes the namespaces, whatever state the test left.
func (r *rig) cleanup() {
	for _, c := range r.agents {
		if c.Process != nil {
			_ = c.Process.Kill()
			_ = c.Wait()
		}
	}
	for _, ns := range append([]string{r.bridge}, r.ns...) {
		if out, err := exec.Command("ip", "netns", "del", ns).CombinedOutput(); err != nil && !bytes.Contains(out, []byte("No such file")) {
			r.t.Logf("remove namespace %s: %v: %s", ns, err, out)
		}
	}
	if r.t.Failed() {
		for i, log := range r.logs {
			if data, err := os.ReadFile(log); err == nil {
				r.t.Logf("log of %s:\n%s", node(i+1), data)
			}
		}
	}
}

// ip runs ip with args and fails the test if it fails.
func (r *rig) ip(args ...string) {
	r.t.Helper()
	if out, err := exec.Command("ip", args...).CombinedOutput(); err != nil {
		r.t.Fatalf("ip %s: %v\n%s", strings.Join(args, " "), err, out)
	}
}

// env is what every process of the test runs with: a home of its own, so that the CLI
// reads no configuration or token of the machine's user.
func (r *rig) env() []string {
	home := filepath.Join(r.dir, "home")
	var env []string
	for _, kv := range os.Environ() {
		if !strings.HasPrefix(kv, "SWARM_") {
			env = append(env, kv)
		}
	}
	return append(env, "HOME="+home, "XDG_CONFIG_HOME="+home, "XDG_STATE_HOME="+home)
}

// startAgent starts node i's agent in its namespace; all but n1 join n1.
func (r *rig) startAgent(i int, fence bool) {
	r.t.Helper()
	state := filepath.Join(r.dir, node(i))
	args := []string{"netns", "exec", r.ns[i-1], r.swarm, "agent", "--runtime", "none", "--no-auth",
		"--node-name", node(i), "--state-dir", state,
		"--bind", addr(i) + ":7946", "--api-listen", addr(i) + ":7070",
		"--probe-interval", probe.String(), "--dead-grace", grace.String(), "--log-level", "info"}
	if fence {
		args = append(args, "--self-fence")
	}
	if i > 1 {
		token, err := os.ReadFile(filepath.Join(r.dir, node(1), "join-token"))
		if err != nil {
			r.t.Fatalf("read n1's join token: %v", err)
		}
		args = append(args, "--join", addr(1)+":7946", "--join-token", strings.TrimSpace(string(token)))
	}
	logPath := filepath.Join(r.dir, node(i)+".log")
	logFile, err := os.Create(logPath)
	if err != nil {
		r.t.Fatal(err)
	}
	defer logFile.Close()
	cmd := exec.Command("ip", args...)
	cmd.Env = r.env()
	cmd.Stdout, cmd.Stderr = logFile, logFile
	if err := cmd.Start(); err != nil {
		r.t.Fatalf("start %s: %v", node(i), err)
	}
	r.agents = append(r.agents, cmd)
	r.logs = append(r.logs, logPath)
	if i == 1 {
		r.waitUntil(context.Background(), 10*time.Second, "n1 writes its join token", func() bool {
			_, err := os.Stat(filepath.Join(state, "join-token"))
			return err == nil
		})
	}
}

// cli runs the swarm CLI in node i's namespace against node i's agent.
func (r *rig) cli(i int, args ...string) ([]byte, error) {
	full := append([]string{"netns", "exec", r.ns[i-1], r.swarm}, args...)
	full = append(full, "--server", "http://"+addr(i)+":7070")
	cmd := exec.Command("ip", full...)
	cmd.Env = r.env()
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		return out, fmt.Errorf("swarm %s on %s: %w: %s", strings.Join(args, " "), node(i), err, stderr.Bytes())
	}
	return out, nil
}

// nodeCount is how many nodes node i's agent lists alive.
func (r *rig) nodeCount(i int) (int, error) {
	out, err := r.cli(i, "get", "nodes", "-o", "json")
	if err != nil {
		return 0, err
	}
	var list struct {
		Items []struct {
			Status struct {
				Conditions []struct{ Type, Status string }
			}
		}
	}
	if err := json.Unmarshal(out, &list); err != nil {
		return 0, fmt.Errorf("read the nodes of %s: %w", node(i), err)
	}
	ready := 0
	for _, n := range list.Items {
		for _, c := range n.Status.Conditions {
			if c.Type == "Ready" && c.Status == "True" {
				ready++
			}
		}
	}
	return ready, nil
}

// placement is what node i's agent lists: pod name -> node, for the assigned pods.
func (r *rig) placement(i int) (map[string]string, error) {
	out, err := r.cli(i, "get", "pods", "-A", "-o", "json")
	if err != nil {
		return nil, err
	}
	var list struct {
		Items []struct {
			Metadata struct{ Name string }
			Spec     struct{ NodeName string }
		}
	}
	if err := json.Unmarshal(out, &list); err != nil {
		return nil, fmt.Errorf("read the pods of %s: %w", node(i), err)
	}
	p := map[string]string{}
	for _, item := range list.Items {
		if item.Spec.NodeName != "" {
			p[item.Metadata.Name] = item.Spec.NodeName
		}
	}
	return p, nil
}

// agreed is the placement the given nodes all list, if they agree.
func (r *rig) agreed(is ...int) (map[string]string, bool) {
	var first map[string]string
	for _, i := range is {
		p, err := r.placement(i)
		if err != nil {
			return nil, false
		}
		if first == nil {
			first = p
		} else if !maps.Equal(p, first) {
			return nil, false
		}
	}
	return first, true
}

// firstAfter is the time of the first line after t in the logs of the given nodes whose
// message starts with prefix; zero when there is none.
func (r *rig) firstAfter(t time.Time, prefix string, is ...int) time.Time {
	var first time.Time
	for _, i := range is {
		f, err := os.Open(r.logs[i-1])
		if err != nil {
			continue
		}
		sc := bufio.NewScanner(f)
		sc.Buffer(make([]byte, 1<<20), 1<<20)
		for sc.Scan() {
			at, msg, ok := parseLogLine(sc.Text())
			if ok && at.After(t) && strings.HasPrefix(msg, prefix) && (first.IsZero() || at.Before(first)) {
				first = at
			}
		}
		f.Close()
	}
	return first
}

// parseLogLine reads the time and message of one line of the agent's text log:
// time=2026-12-04T12:00:00.000+00:00 level=INFO msg="pod assigned" ...
func parseLogLine(line string) (time.Time, string, bool) {
	rest, ok := strings.CutPrefix(line, "time=")
	if !ok {
		return time.Time{}, "", false
	}
	stamp, rest, _ := strings.Cut(rest, " ")
	at, err := time.Parse(time.RFC3339Nano, stamp)
	if err != nil {
		return time.Time{}, "", false
	}
	_, rest, ok = strings.Cut(rest, "msg=")
	if !ok {
		return time.Time{}, "", false
	}
	if strings.HasPrefix(rest, `"`) {
		msg, err := strconv.QuotedPrefix(rest)
		if err != nil {
			return time.Time{}, "", false
		}
		unquoted, _ := strconv.Unquote(msg)
		return at, unquoted, true
	}
	msg, _, _ := strings.Cut(rest, " ")
	return at, msg, true
}

// waitUntil polls cond until it holds, or fails the test after within (or when ctx ends).
func (r *rig) waitUntil(ctx context.Context, within time.Duration, what string, cond func() bool) {
	r.t.Helper()
	deadline := time.Now().Add(within)
	start := time.Now()
	for !cond() {
		if time.Now().After(deadline) || ctx.Err() != nil {
			r.t.Fatalf("timed out after %s waiting until %s (the test's own deadline passed: %v); the agents list:\n%s",
				time.Since(start).Round(time.Millisecond), what, ctx.Err() != nil, r.views())
		}
		time.Sleep(200 * time.Millisecond)
	}
}

// views is what each agent lists, for a failure's message.
func (r *rig) views() string {
	var b strings.Builder
	for i := 1; i <= len(r.agents); i++ {
		p, err := r.placement(i)
		fmt.Fprintf(&b, "  %s: %v %v\n", node(i), p, err)
	}
	return b.String()
}

func countOn(p map[string]string, n string) int {
	count := 0
	for _, v := range p {
		if v == n {
			count++
		}
	}
	return count
}

func writeFile(t *testing.T, path, content string) {
	t.Helper()
	if err := os.WriteFile(path, []byte(content), 0o600); err != nil {
		t.Fatal(err)
	}
}
