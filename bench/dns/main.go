// Command dns measures the queries per second of `swarm dns` with dnsperf, side by side with
// Unbound serving the same names as local data: each server pinned to one core, dnsperf to
// another (taskset), the two servers measured in turns. It needs the Debian packages dnsperf
// and unbound.
//
//	go run ./bench/dns -swarm bin/swarm
package main

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"log"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/miekg/dns"
	corev1 "k8s.io/api/core/v1"

	"github.com/podman-swarm/podman-swarm/discovery"
)

var (
	swarmBin   = flag.String("swarm", "bin/swarm", "the swarm binary")
	services   = flag.Int("services", 200, "Services in the cluster, 3 ready endpoints each")
	duration   = flag.Duration("duration", 10*time.Second, "length of one dnsperf run")
	runs       = flag.Int("runs", 3, "dnsperf runs per server, in turns")
	clients    = flag.Int("clients", 8, "dnsperf -c: simulated clients")
	serverCPU  = flag.String("server-cpu", "0", "taskset -c list of the server under test")
	dnsperfCPU = flag.String("dnsperf-cpu", "1", "taskset -c list of dnsperf")
)

const (
	agentAddr  = "127.0.54.1:17070"
	swarmAddr  = "127.0.54.2"
	unboundAdr = "127.0.54.3"
	port       = "5300"
)

func main() {
	flag.Parse()
	log.SetFlags(log.Ltime)
	for _, tool := range []string{"dnsperf", "unbound", "taskset"} {
		if _, err := exec.LookPath(tool); err != nil {
			log.Fatalf("%s is missing: apt-get install dnsperf unbound", tool)
		}
	}
	dir, err := os.MkdirTemp("", "swarm-bench-dns-")
	if err != nil {
		log.Fatal(err)
	}
	defer os.RemoveAll(dir)

	list := cluster(*services)
	stopAgent := serveAgent(list)
	defer stopAgent()
	queries := filepath.Join(dir, "queries")
	check(os.WriteFile(queries, []byte(queryFile(list)), 0o600))
	conf := filepath.Join(dir, "unbound.conf")
	check(os.WriteFile(conf, []byte(unboundConf(list, dir)), 0o600))

	swarm := start(exec.Command("taskset", "-c", *serverCPU, *swarmBin, "dns",
		"--listen", swarmAddr+":"+port, "--agent", "http://"+agentAddr,
		"--state-file", "", "--upstream", "127.0.0.1:9", "--log-level", "warn"))
	defer stop(swarm)
	unbound := start(exec.Command("taskset", "-c", *serverCPU, "unbound", "-d", "-c", conf))
	defer stop(unbound)
	waitAnswers(swarmAddr + ":" + port)
	waitAnswers(unboundAdr + ":" + port)

	results := map[string][]result{}
	for i := 0; i < *runs; i++ {
		for _, s := range []struct {
			name, addr string
			pid        int
		}{{"swarm dns", swarmAddr, swarm.Process.Pid}, {"unbound", unboundAdr, unbound.Process.Pid}} {
			before := cpuTime(s.pid)
			r := dnsperf(s.addr, queries)
			r.cpu = (cpuTime(s.pid) - before).Seconds() / r.elapsed
			log.Printf("%s: %.0f queries/s, %.3f ms average latency, %d lost, %.0f%% of a core", s.name, r.qps, r.latency*1000, r.lost, r.cpu*100)
			results[s.name] = append(results[s.name], r)
		}
	}
	fmt.Printf("## DNS: %s, %s\n\n", time.Now().UTC().Format("2006-01-02"), machine())
	fmt.Printf("dnsperf -c %d -l %s, %d A queries of %d Services (3 ready endpoints each) in turn; server on CPU %s, dnsperf on CPU %s; median of %d runs.\n\n",
		*clients, *duration, *services, *services, *serverCPU, *dnsperfCPU, *runs)
	fmt.Println("| server | queries/s | average latency | lost | CPU time per query (median) |")
	fmt.Println("| --- | --- | --- | --- | --- |")
	for _, name := range []string{"swarm dns", "unbound"} {
		r := median(results[name])
		var perQuery []float64
		for _, x := range results[name] {
			perQuery = append(perQuery, x.cpu/x.qps*1e6)
		}
		slices.Sort(perQuery)
		fmt.Printf("| %s | %.0f | %.3f ms | %d | %.1f µs |\n", name, r.qps, r.latency*1000, r.lost, perQuery[len(perQuery)/2])
	}
}

type result struct {
	qps, latency float64
	lost         int
	elapsed      float64 // seconds of the run, as dnsperf measured it
	cpu          float64 // cores the server used during the run
}

// cpuTime is the user and system time of a process so far, from /proc (clock ticks of
// 10 ms, as on every Linux of today).
func cpuTime(pid int) time.Duration {
	data, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	check(err)
	// The fields after the command name, which is in parentheses and may hold spaces.
	f := strings.Fields(string(data[strings.LastIndexByte(string(data), ')')+2:]))
	utime, _ := strconv.Atoi(f[11])
	stime, _ := strconv.Atoi(f[12])
	return time.Duration(utime+stime) * 10 * time.Millisecond
}

var (
	qpsRe  = regexp.MustCompile(`Queries per second:\s+([0-9.]+)`)
	latRe  = regexp.MustCompile(`Average Latency \(s\):\s+([0-9.]+)`)
	lostRe = regexp.MustCompile(`Queries lost:\s+([0-9]+)`)
	runRe  = regexp.MustCompile(`Run time \(s\):\s+([0-9.]+)`)
)

func dnsperf(addr, queries string) result {
	out, err := exec.Command("taskset", "-c", *dnsperfCPU, "dnsperf", "-s", addr, "-p", port,
		"-d", queries, "-l", strconv.Itoa(int(duration.Seconds())), "-c", strconv.Itoa(*clients), "-q", "100").CombinedOutput()
	if err != nil {
		log.Fatalf("dnsperf against %s: %v\n%s", addr, err, out)
	}
	var r result
	if m := qpsRe.FindSubmatch(out); m != nil {
		r.qps, _ = strconv.ParseFloat(string(m[1]), 64)
	}
	if m := latRe.FindSubmatch(out); m != nil {
		r.latency, _ = strconv.ParseFloat(string(m[1]), 64)
	}
	if m := lostRe.FindSubmatch(out); m != nil {
		r.lost, _ = strconv.Atoi(string(m[1]))
	}
	if m := runRe.FindSubmatch(out); m != nil {
		r.elapsed, _ = strconv.ParseFloat(string(m[1]), 64)
	}
	if r.qps == 0 || r.elapsed == 0 {
		log.Fatalf("no figures in dnsperf's output:\n%s", out)
	}
	return r
}

func median(rs []result) result {
	s := slices.Clone(rs)
	slices.SortFunc(s, func(a, b result) int {
		switch {
		case a.qps < b.qps:
			return -1
		case a.qps > b.qps:
			return 1
		}
		return 0
	})
	return s[len(s)/2]
}

// cluster is n Services of 3 ready endpoints on nodes 10.0.x.y.
func cluster(n int) []discovery.Service {
	var out []discovery.Service
	for i := range n {
		s := discovery.Service{Namespace: fmt.Sprintf("ns%d", i%5), Name: fmt.Sprintf("svc%d", i),
			Ports: []discovery.Port{{Name: "http", Port: 80, Protocol: corev1.ProtocolTCP}}}
		for j := range 3 {
			node := (i + j) % 50
			s.Endpoints = append(s.Endpoints, discovery.Endpoint{
				Pod: fmt.Sprintf("svc%d-%d", i, j), Node: fmt.Sprintf("node%d", node),
				Address: fmt.Sprintf("10.0.%d.%d", node/250, node%250+1), Ready: true,
				Ports: []discovery.Port{{Name: "http", Port: int32(30000 + i), Protocol: corev1.ProtocolTCP}},
			})
		}
		out = append(out, s)
	}
	return out
}

func name(s discovery.Service) string { return s.Name + "." + s.Namespace + ".svc.cluster.local." }

func queryFile(list []discovery.Service) string {
	var b strings.Builder
	for _, s := range list {
		fmt.Fprintf(&b, "%s A\n", name(s))
	}
	return b.String()
}

// unboundConf serves the same A records as local data, one thread, no cache of others.
func unboundConf(list []discovery.Service, dir string) string {
	var b strings.Builder
	fmt.Fprintf(&b, "server:\n  interface: %s@%s\n  num-threads: 1\n  do-daemonize: no\n  chroot: \"\"\n  username: \"\"\n", unboundAdr, port)
	fmt.Fprintf(&b, "  directory: %q\n  pidfile: %q\n  use-syslog: no\n  logfile: \"\"\n  verbosity: 0\n", dir, filepath.Join(dir, "unbound.pid"))
	b.WriteString("  module-config: \"iterator\"\n  access-control: 127.0.0.0/8 allow\n  local-zone: \"cluster.local.\" static\n")
	for _, s := range list {
		for _, ep := range s.Endpoints {
			fmt.Fprintf(&b, "  local-data: \"%s 5 IN A %s\"\n", name(s), ep.Address)
		}
	}
	b.WriteString("remote-control:\n  control-enable: no\n")
	return b.String()
}

func serveAgent(list []discovery.Service) func() {
	body, err := json.Marshal(map[string]any{"items": list})
	check(err)
	l, err := net.Listen("tcp", agentAddr)
	check(err)
	srv := &http.Server{Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		_, _ = w.Write(body)
	})}
	go func() { _ = srv.Serve(l) }()
	return func() { _ = srv.Shutdown(context.Background()) }
}

func start(cmd *exec.Cmd) *exec.Cmd {
	cmd.Stdout, cmd.Stderr = os.Stderr, os.Stderr
	if err := cmd.Start(); err != nil {
		log.Fatalf("start %s: %v", cmd.Args, err)
	}
	return cmd
}

func stop(cmd *exec.Cmd) {
	_ = cmd.Process.Signal(os.Interrupt)
	done := make(chan struct{})
	go func() { _ = cmd.Wait(); close(done) }()
	select {
	case <-done:
	case <-time.After(5 * time.Second):
		_ = cmd.Process.Kill()
		<-done
	}
}

// waitAnswers waits until addr answers the first Service's name with its 3 records.
func waitAnswers(addr string) {
	c := &dns.Client{Timeout: 200 * time.Millisecond}
	q := new(dns.Msg).SetQuestion("svc0.ns0.svc.cluster.local.", dns.TypeA)
	for deadline := time.Now().Add(15 * time.Second); time.Now().Before(deadline); time.Sleep(50 * time.Millisecond) {
		if r, _, err := c.Exchange(q, addr); err == nil && len(r.Answer) == 3 {
			return
		}
	}
	log.Fatalf("%s does not answer", addr)
}

func machine() string {
	model := runtime.GOARCH
	if data, err := os.ReadFile("/proc/cpuinfo"); err == nil {
		for _, line := range strings.Split(string(data), "\n") {
			if k, v, ok := strings.Cut(line, ":"); ok && strings.TrimSpace(k) == "model name" {
				model = strings.TrimSpace(v)
				break
			}
		}
	}
	return fmt.Sprintf("%d cores of %s", runtime.NumCPU(), model)
}

func check(err error) {
	if err != nil {
		log.Fatal(err)
	}
}
