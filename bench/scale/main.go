// Command scale measures 50 `swarm agent --runtime none` processes on loopback addresses
// (127.0.2.x): how long after an apply of 1,000, then 5,000 pods (Deployments) every
// agent's API lists them all placed, what an idle agent then costs in CPU (from
// /proc/PID/stat) and memory, how long a list of every pod takes, and how long after a
// SIGKILL of an agent that holds pods every other agent lists them on live nodes.
//
//	go run ./bench/scale -swarm bin/swarm
package main

import (
	"flag"
	"fmt"
	"log"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"syscall"
	"time"

	"github.com/podman-swarm/podman-swarm/bench/internal/benchproc"
)

var (
	swarmBin = flag.String("swarm", "bin/swarm", "the swarm binary")
	nodes    = flag.Int("nodes", 50, "agents")
	netPfx   = flag.String("net", "127.0.2", "the agents' addresses are NET.(11+i)")
	replicas = flag.Int("replicas", 50, "replicas of each Deployment")
	steps    = flag.String("pods", "1000,5000", "pods of each apply, in turn: each one a new namespace of Deployments")
	// At 50 agents memberlist's push/pull comes every 60 s, after a first one 60-90 s
	// after the start: a window shorter than that misses it.
	idle   = flag.Duration("idle", 90*time.Second, "idle window for CPU, memory and gossip traffic")
	kills  = flag.Int("kills", 3, "SIGKILLs of an agent holding pods to measure")
	within = flag.Duration("within", 120*time.Second, "how long an apply may take to reach every agent")
)

func main() {
	flag.Parse()
	log.SetFlags(log.Ltime)
	defer benchproc.StopAll()
	dir := benchproc.TempDir("swarm-scale-")

	fmt.Printf("## Scale benchmark, %s, %s\n\n", time.Now().UTC().Format("2006-01-02"), benchproc.Machine())
	log.Printf("starting %d agents", *nodes)
	start := time.Now()
	agents := startAgents(*swarmBin, dir, *netPfx, *nodes)
	defer stopAgents(agents)
	log.Printf("%d agents joined after %s", *nodes, time.Since(start).Round(time.Millisecond))

	fmt.Printf("### Apply until every agent's API lists every pod placed (N=%d, Deployments of %d replicas, applied on one agent that does not lead)\n\n", *nodes, *replicas)
	fmt.Printf("| pods | apply returned | median agent | last agent | received per agent, median / worst | CPU of all agents | page faults of all agents |\n|---|---|---|---|---|---|---|\n")
	total := 0
	for i, s := range strings.Split(*steps, ",") {
		var pods int
		if _, err := fmt.Sscan(s, &pods); err != nil || pods%*replicas != 0 {
			benchproc.Fatalf("-pods %q: want multiples of %d", s, *replicas)
		}
		ns := fmt.Sprintf("scale%d", i)
		before, cpuBefore, faultsBefore := received(agents), cpuTime(agents), faults(agents)
		applied, last, med := applyAndWait(agents, ns, pods)
		cpu, faulted := cpuTime(agents)-cpuBefore, faults(agents)-faultsBefore
		got := received(agents)
		for i := range got {
			got[i] = (got[i] - before[i]) / 1e6
		}
		total += pods
		var twice []string
		for i, mb := range got {
			if mb > 1.5*benchproc.Median(got) {
				twice = append(twice, agents[i].name)
			}
		}
		log.Printf("%d pods: agents that received the state more than once: %v", pods, twice)
		fmt.Printf("| %d | %s | %s | %s | %.1f / %.1f MB | %.1f s | %dk |\n", pods, applied.Round(time.Millisecond), med.Round(time.Millisecond),
			last.Round(time.Millisecond), benchproc.Median(got), slices.Max(got), cpu.Seconds(), faulted/1000)
	}
	fmt.Println()

	log.Printf("idle for %s", *idle)
	cpu0 := make([]time.Duration, len(agents))
	st0 := make([]stats, len(agents))
	for i, a := range agents {
		cpu0[i] = benchproc.CPUTime(a.cmd.Process.Pid)
		st0[i], _ = getJSON[stats](a.api("/stats"))
	}
	time.Sleep(*idle)
	var cpu, rss, traffic []float64
	for i, a := range agents {
		cpu = append(cpu, 100*float64(benchproc.CPUTime(a.cmd.Process.Pid)-cpu0[i])/float64(*idle))
		st, err := getJSON[stats](a.api("/stats"))
		benchproc.Check(err)
		traffic = append(traffic, float64(st.GossipSentBytes-st0[i].GossipSentBytes+st.GossipReceivedBytes-st0[i].GossipReceivedBytes)/idle.Seconds())
		rss = append(rss, rssMB(a.cmd.Process.Pid))
	}
	fmt.Printf("### Idle agent (N=%d, %s window, %d pods stored)\n\n", *nodes, *idle, total)
	leader := st0[0].Leader
	worst := func(v []float64) string {
		i := slices.Index(v, slices.Max(v))
		if agents[i].name == leader {
			return agents[i].name + ", the leader"
		}
		return agents[i].name
	}
	fmt.Printf("| | median | worst |\n|---|---|---|\n")
	fmt.Printf("| CPU per agent (user + system) | %.2f %% | %.2f %% (%s) |\n", benchproc.Median(cpu), slices.Max(cpu), worst(cpu))
	fmt.Printf("| RSS per agent | %.1f MB | %.1f MB (%s) |\n", benchproc.Median(rss), slices.Max(rss), worst(rss))
	fmt.Printf("| gossip traffic per agent (sent + received) | %.0f B/s | %.0f B/s (%s) |\n\n", benchproc.Median(traffic), slices.Max(traffic), worst(traffic))

	ms, size := listLatency(agents[len(agents)-1], 20)
	fmt.Printf("### GET /api/v1/pods of all %d pods on one agent (%d lists one after the other, %d KB each)\n\n", total, len(ms), size/1024)
	fmt.Printf("| median | worst |\n|---|---|\n| %.1f ms | %.1f ms |\n\n", benchproc.Median(ms), slices.Max(ms))

	failover(agents, total)
}

// applyAndWait applies pods in namespace on an agent that does not lead, and returns how
// long the apply took to return, and how long after it returned the last agent and the
// median agent listed every pod placed.
func applyAndWait(agents []*agent, ns string, pods int) (applied, last, med time.Duration) {
	st, err := getJSON[stats](agents[0].api("/stats"))
	benchproc.Check(err)
	on := agents[len(agents)/2]
	if on.name == st.Leader {
		on = agents[len(agents)/2+1]
	}
	vis := watchVisible(agents, ns, pods)
	log.Printf("applying %d pods on %s (leader %s)", pods, on.name, st.Leader)
	start := time.Now()
	benchproc.Check(applyYAML(on, deployments(ns, pods / *replicas, *replicas)))
	returned := time.Now()
	at := vis.wait(*within)
	var after []float64
	for i, t := range at {
		if t.IsZero() {
			benchproc.Fatalf("%s did not list %d pods within %s of the apply (it lists %d)", agents[i].name, pods, *within, placedIn(agents[i], ns))
		}
		after = append(after, float64(max(t.Sub(returned), 0)))
	}
	last = time.Duration(slices.Max(after))
	med = time.Duration(benchproc.Median(after))
	log.Printf("%d pods: apply returned after %s; every agent lists them %s later (median %s)",
		pods, returned.Sub(start).Round(time.Millisecond), last.Round(time.Millisecond), med.Round(time.Millisecond))
	return returned.Sub(start), last, med
}

// failover kills an agent that holds pods and neither leads nor is the one whose API
// applied, and times until no other agent lists a pod on it; the leader's plan moves
// a node's pods in one atomic write, so a pod that left the dead node is placed
// elsewhere. The agent comes back before the next kill.
func failover(agents []*agent, total int) {
	if *kills <= 0 {
		return
	}
	var took []float64
	for r := range *kills {
		st, err := getJSON[stats](agents[0].api("/stats"))
		benchproc.Check(err)
		var victim *agent
		for _, a := range agents[1+r:] {
			if a.name != st.Leader && len(onNode(agents[0], a.name)) > 0 {
				victim = a
				break
			}
		}
		if victim == nil {
			benchproc.Fatalf("no agent to kill: leader %s", st.Leader)
		}
		held := len(onNode(agents[0], victim.name))
		scores := healthScores(agents)
		start := time.Now()
		_ = victim.cmd.Process.Signal(syscall.SIGKILL)
		<-victim.exited
		left := slices.DeleteFunc(slices.Clone(agents), func(a *agent) bool { return a == victim })
		var d time.Duration
		for {
			if time.Since(start) > *within {
				benchproc.Fatalf("the pods of %s were not moved within %s", victim.name, *within)
			}
			if slices.IndexFunc(left, func(a *agent) bool { return len(onNode(a, victim.name)) > 0 }) < 0 {
				d = time.Since(start)
				break
			}
			time.Sleep(50 * time.Millisecond)
		}
		took = append(took, float64(d))
		log.Printf("kill %d: the %d pods of %s moved after %s; the agents' health scores before the kill: %s",
			r, held, victim.name, d.Round(time.Millisecond), scores)
		for _, a := range []*agent{left[0], left[len(left)-1]} {
			if n := placedAll(a); n != total {
				benchproc.Fatalf("%s lists %d placed pods after the failover, want %d", a.name, n, total)
			}
		}
		startAgent(*swarmBin, victim)
		waitMembers(agents, len(agents), 120*time.Second)
	}
	fmt.Printf("### SIGKILL of an agent holding pods until no other agent lists a pod on it (N=%d, %d kills, the agent's default dead-node grace)\n\n", *nodes, *kills)
	fmt.Printf("| median | worst |\n|---|---|\n| %s | %s |\n\n",
		time.Duration(benchproc.Median(took)).Round(time.Millisecond), time.Duration(slices.Max(took)).Round(time.Millisecond))
}

// onNode lists the pods that a lists on node.
func onNode(a *agent, node string) []podItem {
	l, err := getJSON[struct{ Items []podItem }](a.api("/api/v1/pods?fieldSelector=spec.nodeName%3D" + node))
	if err != nil {
		return []podItem{{}} // unknown: count it as still there
	}
	return l.Items
}

type podItem struct {
	Metadata struct{ Name string }
}

// placedAll counts the pods that a lists with a node, in every namespace.
func placedAll(a *agent) int {
	body, err := get(a.api("/api/v1/pods"))
	benchproc.Check(err)
	return strings.Count(string(body), `"nodeName":"`) - strings.Count(string(body), `"nodeName":""`)
}

func rssMB(pid int) float64 {
	data, err := os.ReadFile(filepath.Join("/proc", itoa(pid), "status"))
	if err != nil {
		return -1
	}
	for _, line := range strings.Split(string(data), "\n") {
		if f := strings.Fields(line); len(f) >= 2 && f[0] == "VmRSS:" {
			var kb float64
			_, _ = fmt.Sscan(f[1], &kb)
			return kb / 1024
		}
	}
	return -1
}

// healthScores summarises the failure detector's score of each agent (0 healthy; each
// point stretches that agent's probes of its peers by one probe interval), which tells a
// failover slowed by an overloaded machine from one slowed by something else.
func healthScores(agents []*agent) string {
	count := map[int]int{}
	for _, a := range agents {
		if s, err := getJSON[stats](a.api("/stats")); err == nil {
			count[s.HealthScore]++
		}
	}
	var parts []string
	for _, score := range slices.Sorted(maps.Keys(count)) {
		parts = append(parts, fmt.Sprintf("%d agents at %d", count[score], score))
	}
	return strings.Join(parts, ", ")
}

// received is the bytes each agent has received from its peers so far, gossip and streams:
// across an apply, how many times over the new state reached each agent.
func received(agents []*agent) []float64 {
	out := make([]float64, len(agents))
	for i, a := range agents {
		st, err := getJSON[stats](a.api("/stats"))
		benchproc.Check(err)
		out[i] = float64(st.GossipReceivedBytes)
	}
	return out
}

// cpuTime is the CPU time all agents have used so far: across an apply, what spreading it
// cost the cluster, a figure that other work on the machine does not change much.
// faults is the minor page faults of all agents.
func faults(agents []*agent) int64 {
	var sum int64
	for _, a := range agents {
		sum += benchproc.MinorFaults(a.cmd.Process.Pid)
	}
	return sum
}

func cpuTime(agents []*agent) time.Duration {
	var sum time.Duration
	for _, a := range agents {
		sum += benchproc.CPUTime(a.cmd.Process.Pid)
	}
	return sum
}
