// Command cluster measures a cluster of `swarm agent --runtime none` processes on loopback
// addresses (127.0.1.x): how fast an apply reaches every node, how fast the pods of a killed
// node move, what an idle agent costs in memory and gossip traffic, and what durable writes
// cost: the latency and throughput of 200 applies with each ?ack=, and with -swarm-base of an
// earlier build, measured in the same rounds.
//
//	go run ./bench/cluster -swarm bin/swarm [-swarm-base old/swarm] [-parts durable]
package main

import (
	"bytes"
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"log"
	"net/http"
	"os"
	"os/exec"
	"os/signal"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/podman-swarm/podman-swarm/bench/internal/benchproc"
)

var (
	swarmBin      = flag.String("swarm", "bin/swarm", "the swarm binary")
	nodes         = flag.Int("nodes", 20, "cluster size for the apply and idle measurements")
	runs          = flag.Int("runs", 7, "applies to measure")
	failoverNodes = flag.Int("failover-nodes", 5, "cluster size for the failover measurement")
	failoverRuns  = flag.Int("failover-runs", 5, "node kills to measure")
	idle          = flag.Duration("idle", 20*time.Second, "idle window for memory and traffic")
	deadGrace     = flag.Duration("dead-grace", 0, "--dead-grace for the agents (0: the agent's default)")
	parts         = flag.String("parts", "apply,failover,durable", "the measurements to run, comma-separated")
)

func main() {
	flag.Parse()
	log.SetFlags(log.Ltime)
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	root, err := os.MkdirTemp("", "swarm-bench-")
	if err != nil {
		log.Fatal(err)
	}
	defer os.RemoveAll(root)

	fmt.Printf("## Cluster benchmark, %s, %s\n\n", time.Now().UTC().Format("2006-01-02"), machine())
	run := strings.Split(*parts, ",")
	if slices.Contains(run, "apply") {
		if err := applyAndIdle(ctx, filepath.Join(root, "a")); err != nil {
			log.Fatal(err)
		}
	}
	if slices.Contains(run, "failover") {
		if err := failover(ctx, filepath.Join(root, "f")); err != nil {
			log.Fatal(err)
		}
	}
	if slices.Contains(run, "durable") {
		if err := durability(ctx, filepath.Join(root, "d")); err != nil {
			log.Fatal(err)
		}
	}
}

// agent is one running `swarm agent` process.
type agent struct {
	name, addr, dir string
	cmd             *exec.Cmd
	exited          chan struct{} // closed once cmd has exited
}

func (a *agent) api(path string) string { return "http://" + a.addr + ":7070" + path }

type cluster struct {
	agents []*agent
	dir    string
	bin    string // the swarm binary
	net    string // the agents' addresses are net.(11+i)
}

func startCluster(ctx context.Context, dir string, n int) (*cluster, error) {
	return startClusterOf(ctx, dir, n, *swarmBin, "127.0.1")
}

func startClusterOf(ctx context.Context, dir string, n int, bin, net string) (*cluster, error) {
	c := &cluster{dir: dir, bin: bin, net: net}
	for i := range n {
		a := &agent{name: fmt.Sprintf("b%02d", i), addr: fmt.Sprintf("%s.%d", net, 11+i)}
		a.dir = filepath.Join(dir, a.name)
		var join []string
		if i > 0 {
			token, err := os.ReadFile(filepath.Join(c.agents[0].dir, "join-token"))
			if err != nil {
				c.stop()
				return nil, err
			}
			join = []string{"--join", c.agents[0].addr + ":7946", "--join-token", strings.TrimSpace(string(token))}
		}
		if err := c.start(ctx, a, join...); err != nil {
			c.stop()
			return nil, err
		}
		c.agents = append(c.agents, a)
	}
	return c, c.waitMembers(ctx, n, 60*time.Second)
}

func (c *cluster) start(ctx context.Context, a *agent, extra ...string) error {
	if err := os.MkdirAll(a.dir, 0o700); err != nil {
		return err
	}
	logf, err := os.OpenFile(filepath.Join(a.dir, "agent.log"), os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o600)
	if err != nil {
		return err
	}
	// --no-auth: the figures are about gossip and scheduling, and the bench's plain HTTP
	// calls then need no token per node (a token check is one hash and one map lookup).
	args := []string{"agent", "--node-name", a.name, "--bind", a.addr + ":7946", "--api-listen", a.addr + ":7070",
		"--state-dir", a.dir, "--runtime", "none", "--no-auth"}
	if *deadGrace > 0 {
		args = append(args, "--dead-grace", deadGrace.String())
	}
	a.cmd = exec.Command(c.bin, append(args, extra...)...)
	a.cmd.Stdout, a.cmd.Stderr = logf, logf
	if err := a.cmd.Start(); err != nil {
		return err
	}
	exited := make(chan struct{})
	a.exited = exited
	go func(cmd *exec.Cmd) { cmd.Wait(); logf.Close(); close(exited) }(a.cmd)
	// The first node must have written its join token before the next one starts.
	deadline := time.Now().Add(10 * time.Second)
	for time.Now().Before(deadline) {
		if _, err := getJSON[map[string]any](a.api("/healthz")); err == nil {
			return nil
		}
		time.Sleep(20 * time.Millisecond)
	}
	return fmt.Errorf("%s did not answer on %s; see %s", a.name, a.api("/healthz"), filepath.Join(a.dir, "agent.log"))
}

// stop kills every agent and waits until they are gone, so that the next cluster finds
// their addresses free.
func (c *cluster) stop() {
	for _, a := range c.agents {
		if a.cmd != nil && a.cmd.Process != nil {
			a.cmd.Process.Kill()
		}
	}
	for _, a := range c.agents {
		if a.exited != nil {
			<-a.exited
		}
	}
}

func (c *cluster) waitMembers(ctx context.Context, n int, within time.Duration) error {
	deadline := time.Now().Add(within)
	for time.Now().Before(deadline) && ctx.Err() == nil {
		ok := true
		for _, a := range c.agents {
			s, err := getJSON[stats](a.api("/stats"))
			if err != nil || s.Members != n || s.Leader == "" {
				ok = false
				break
			}
		}
		if ok {
			return nil
		}
		time.Sleep(100 * time.Millisecond)
	}
	return fmt.Errorf("the %d agents did not all see each other within %s", n, within)
}

type stats struct {
	Leader              string `json:"leader"`
	Members             int    `json:"members"`
	GossipSentBytes     uint64 `json:"gossipSentBytes"`
	GossipReceivedBytes uint64 `json:"gossipReceivedBytes"`
}

func getJSON[T any](url string) (T, error) {
	var v T
	client := http.Client{Timeout: 2 * time.Second}
	resp, err := client.Get(url)
	if err != nil {
		return v, err
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return v, fmt.Errorf("%s: HTTP %d", url, resp.StatusCode)
	}
	return v, json.NewDecoder(resp.Body).Decode(&v)
}

func applyYAML(a *agent, yaml string) error {
	return benchproc.ApplyManifest(http.DefaultClient, a.api("/api/v1/manifests"), yaml)
}

func deployment(name string, replicas int) string {
	return fmt.Sprintf(`apiVersion: apps/v1
kind: Deployment
metadata: {name: %s}
spec:
  replicas: %d
  selector: {matchLabels: {app: %s}}
  template:
    metadata: {labels: {app: %s}}
    spec:
      containers: [{name: main, image: localhost/bench:1}]
`, name, replicas, name, name)
}

type item struct {
	Metadata struct{ Name string }
	Spec     struct{ NodeName string }
}

type list struct{ Items []item }

// applyAndIdle measures apply propagation over the whole cluster, then the idle cost.
func applyAndIdle(ctx context.Context, dir string) error {
	log.Printf("starting %d agents", *nodes)
	c, err := startCluster(ctx, dir, *nodes)
	if err != nil {
		return err
	}
	defer c.stop()
	var took []time.Duration
	for r := range *runs {
		name := "bench-" + strconv.Itoa(r)
		start := time.Now()
		if err := applyYAML(c.agents[r%len(c.agents)], deployment(name, 1)); err != nil {
			return err
		}
		var wg sync.WaitGroup
		seen := make([]time.Duration, len(c.agents))
		for i, a := range c.agents {
			wg.Add(1)
			go func() {
				defer wg.Done()
				for time.Since(start) < 30*time.Second {
					l, err := getJSON[list](a.api("/api/v1/deployments"))
					if err == nil && slices.ContainsFunc(l.Items, func(it item) bool {
						return it.Metadata.Name == name
					}) {
						seen[i] = time.Since(start)
						return
					}
					time.Sleep(10 * time.Millisecond)
				}
				seen[i] = -1
			}()
		}
		wg.Wait()
		if slices.Contains(seen, -1) {
			return fmt.Errorf("apply %d did not reach every node within 30s", r)
		}
		took = append(took, slices.Max(seen))
		log.Printf("apply %d visible on all %d nodes after %s", r, len(c.agents), slices.Max(seen).Round(time.Millisecond))
		time.Sleep(300 * time.Millisecond)
	}
	fmt.Printf("### Apply on one node until every node's API lists it (N=%d, %d applies)\n\n", *nodes, *runs)
	fmt.Printf("| median | worst |\n|---|---|\n| %s | %s |\n\n", median(took).Round(time.Millisecond), slices.Max(took).Round(time.Millisecond))

	log.Printf("idle for %s", *idle)
	before := make([]stats, len(c.agents))
	for i, a := range c.agents {
		before[i], _ = getJSON[stats](a.api("/stats"))
	}
	time.Sleep(*idle)
	var rss []float64
	var traffic []float64
	for i, a := range c.agents {
		after, err := getJSON[stats](a.api("/stats"))
		if err != nil {
			return err
		}
		bytes := float64(after.GossipSentBytes - before[i].GossipSentBytes + after.GossipReceivedBytes - before[i].GossipReceivedBytes)
		traffic = append(traffic, bytes/idle.Seconds())
		rss = append(rss, rssMB(a.cmd.Process.Pid))
	}
	fmt.Printf("### Idle agent (N=%d, %s window, %d deployments stored)\n\n", *nodes, *idle, *runs)
	fmt.Printf("| | median | worst |\n|---|---|---|\n")
	fmt.Printf("| RSS per agent | %.1f MB | %.1f MB |\n", medianF(rss), slices.Max(rss))
	fmt.Printf("| gossip traffic per node (sent + received) | %.0f B/s | %.0f B/s |\n\n", medianF(traffic), slices.Max(traffic))
	return nil
}

// failover kills a node that holds pods and waits until the leader has placed them elsewhere.
func failover(ctx context.Context, dir string) error {
	log.Printf("starting %d agents for failover", *failoverNodes)
	c, err := startCluster(ctx, dir, *failoverNodes)
	if err != nil {
		return err
	}
	defer c.stop()
	if err := applyYAML(c.agents[0], deployment("fo", *failoverNodes)); err != nil {
		return err
	}
	var took []time.Duration
	for r := range *failoverRuns {
		leaderName := ""
		var placed list
		deadline := time.Now().Add(30 * time.Second)
		for time.Now().Before(deadline) {
			s, _ := getJSON[stats](c.agents[0].api("/stats"))
			leaderName = s.Leader
			placed, _ = getJSON[list](c.agents[0].api("/api/v1/pods"))
			if len(placed.Items) == *failoverNodes && leaderName != "" {
				break
			}
			time.Sleep(50 * time.Millisecond)
		}
		// The victim: a node that holds pods and neither leads nor is our observer.
		var victim *agent
		for _, a := range c.agents[1:] {
			holds := slices.ContainsFunc(placed.Items, func(it item) bool {
				return it.Spec.NodeName == a.name
			})
			if a.name != leaderName && holds {
				victim = a
				break
			}
		}
		if victim == nil {
			return fmt.Errorf("no node to kill: leader %s, pods %+v", leaderName, placed.Items)
		}
		start := time.Now()
		victim.cmd.Process.Signal(syscall.SIGKILL)
		<-victim.exited
		observer := c.agents[0]
		var d time.Duration = -1
		for time.Since(start) < 60*time.Second {
			l, err := getJSON[list](observer.api("/api/v1/pods"))
			if err == nil && len(l.Items) == *failoverNodes && !slices.ContainsFunc(l.Items, func(it item) bool {
				return it.Spec.NodeName == victim.name || it.Spec.NodeName == ""
			}) {
				d = time.Since(start)
				break
			}
			time.Sleep(20 * time.Millisecond)
		}
		if d < 0 {
			return fmt.Errorf("the pods of %s were not moved within 60s", victim.name)
		}
		took = append(took, d)
		log.Printf("kill %d: the pods of %s moved after %s", r, victim.name, d.Round(time.Millisecond))
		// Bring it back for the next round.
		if err := c.start(ctx, victim); err != nil {
			return err
		}
		if err := c.waitMembers(ctx, *failoverNodes, 60*time.Second); err != nil {
			return err
		}
	}
	grace := "the agent's default"
	if *deadGrace > 0 {
		grace = deadGrace.String()
	}
	fmt.Printf("### SIGKILL of a node holding pods until all its pods are assigned to live nodes (N=%d, %d kills, dead-node grace %s)\n\n", *failoverNodes, *failoverRuns, grace)
	fmt.Printf("| median | worst |\n|---|---|\n| %s | %s |\n\n", median(took).Round(time.Millisecond), slices.Max(took).Round(time.Millisecond))
	return nil
}

func median(d []time.Duration) time.Duration {
	s := slices.Clone(d)
	slices.Sort(s)
	return s[len(s)/2]
}

func medianF(f []float64) float64 {
	s := slices.Clone(f)
	slices.Sort(s)
	return s[len(s)/2]
}

func rssMB(pid int) float64 {
	data, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		return -1
	}
	for _, line := range strings.Split(string(data), "\n") {
		if f := strings.Fields(line); len(f) >= 2 && f[0] == "VmRSS:" {
			kb, _ := strconv.ParseFloat(f[1], 64)
			return kb / 1024
		}
	}
	return -1
}

func machine() string {
	cpu := "unknown CPU"
	if data, err := os.ReadFile("/proc/cpuinfo"); err == nil {
		for _, line := range strings.Split(string(data), "\n") {
			if k, v, ok := strings.Cut(line, ":"); ok && strings.TrimSpace(k) == "model name" {
				cpu = strings.TrimSpace(v)
				break
			}
		}
	}
	out, _ := exec.Command("nproc").Output()
	return fmt.Sprintf("%s cores of %s", string(bytes.TrimSpace(out)), cpu)
}
