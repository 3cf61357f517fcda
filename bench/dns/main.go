// Command dns measures the queries per second of `swarm dns` with dnsperf, side by side with
// Unbound serving the same names as local data: each server pinned to one core, dnsperf to
// another (taskset), the servers measured in turns. Each round then measures the latency of
// each at half the rate Unbound reached in it (dnsperf -Q, each query's latency from dnsperf
// -v). `swarm dns` runs twice: listening on one address, and on every address (0.0.0.0, the
// packaged default). The last target, echo, shows what the load generator and the machine
// add: it sends each query back as it is, with no DNS work, one read and one write a query.
// Only the target measured runs; the others are stopped meanwhile. It needs the Debian
// packages dnsperf and unbound.
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
	"os/signal"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/miekg/dns"
	corev1 "k8s.io/api/core/v1"

	"github.com/podman-swarm/podman-swarm/bench/internal/benchproc"
	"github.com/podman-swarm/podman-swarm/discovery"
)

var (
	swarmBin   = flag.String("swarm", "bin/swarm", "the swarm binary")
	services   = flag.Int("services", 200, "Services in the cluster, 3 ready endpoints each")
	duration   = flag.Duration("duration", 10*time.Second, "length of one dnsperf run")
	runs       = flag.Int("runs", 5, "dnsperf runs per server, in turns")
	clients    = flag.Int("clients", 8, "dnsperf -c: simulated clients")
	threads    = flag.Int("threads", 1, "dnsperf -T: its threads (its default counts every core, not the ones it may use)")
	echoAddr   = flag.String("echo", "", "serve as the echo target: answer every datagram on this address with itself, flagged as a reply")
	serverCPU  = flag.String("server-cpu", "0", "taskset -c list of the server under test")
	dnsperfCPU = flag.String("dnsperf-cpu", "1", "taskset -c list of dnsperf")
)

const (
	agentAddr  = "127.0.54.1:17070"
	swarmAddr  = "127.0.54.2"
	unboundAdr = "127.0.54.3"
	echoAdr    = "127.0.54.4"
	port       = "5300"
	// The second swarm dns listens on every address, as the packaged default does, and on
	// another port, as 0.0.0.0:5300 would collide with the others' sockets; it is asked here.
	swarmAnyListen = "0.0.0.0:5301"
	swarmAnyAddr   = "127.0.54.5:5301"
)

func main() {
	flag.Parse()
	log.SetFlags(log.Ltime)
	if *echoAddr != "" {
		serveEcho(*echoAddr)
		return
	}
	benchproc.NeedTools("apt-get install dnsperf unbound", "dnsperf", "unbound", "taskset")
	defer benchproc.StopAll()
	dir := benchproc.TempDir("swarm-bench-dns-")

	list := cluster(*services)
	stopAgent := serveAgent(list)
	defer stopAgent()
	queries := filepath.Join(dir, "queries")
	benchproc.Check(os.WriteFile(queries, []byte(queryFile(list)), 0o600))
	conf := filepath.Join(dir, "unbound.conf")
	benchproc.Check(os.WriteFile(conf, []byte(unboundConf(list, dir)), 0o600))

	swarmDNS := func(listen string) *exec.Cmd {
		return benchproc.Start(exec.Command("taskset", "-c", *serverCPU, *swarmBin, "dns",
			"--listen", listen, "--agent", "http://"+agentAddr,
			"--state-file", "", "--upstream", "127.0.0.1:9", "--log-level", "warn"))
	}
	swarm, swarmAny := swarmDNS(swarmAddr+":"+port), swarmDNS(swarmAnyListen)
	unbound := benchproc.Start(exec.Command("taskset", "-c", *serverCPU, "unbound", "-d", "-c", conf))
	echo := benchproc.StartSelf(*serverCPU, "-echo", echoAdr+":"+port)
	waitAnswers(swarmAddr+":"+port, 3)
	waitAnswers(swarmAnyAddr, 3)
	waitAnswers(unboundAdr+":"+port, 3)
	waitAnswers(echoAdr+":"+port, 0)

	servers := []server{{name: swarmName, addr: swarmAddr + ":" + port, pid: swarm.Process.Pid},
		{name: swarmAnyName, addr: swarmAnyAddr, pid: swarmAny.Process.Pid},
		{name: unboundName, addr: unboundAdr + ":" + port, pid: unbound.Process.Pid},
		{name: echoName, addr: echoAdr + ":" + port, pid: echo.Process.Pid}}
	results := map[string][]result{}
	for round := range *runs {
		// Each round starts with another server, so that none always runs first.
		for i := range servers {
			s := servers[(round+i)%len(servers)]
			r := measure(s, servers, queries, 0)
			log.Printf("round %d, %s: %.0f queries/s, %.3f ms average latency, %d lost, %.0f%% of a core, %.1f µs CPU per query",
				round+1, s.name, r.qps, r.latency*1000, r.lost, r.cores*100, r.cpuPerQuery())
			results[s.name] = append(results[s.name], *r)
		}
		half := results[unboundName][round].qps / 2
		for i := range servers {
			s := servers[(round+i)%len(servers)]
			r := measure(s, servers, queries, half)
			log.Printf("round %d, %s at %.0f queries/s: p50 %.3f ms, p99 %.3f ms, %d lost", round+1, s.name, half, r.p50*1000, r.p99*1000, r.lost)
			results[s.name][round].half = r
		}
	}
	report(servers, results)
}

type server struct {
	name, addr string // addr: host:port
	pid        int
}

type result struct {
	qps, latency float64
	p50, p99     float64 // seconds, from each query's latency (at a limited rate)
	lost         int
	elapsed      float64 // seconds of the run, as dnsperf measured it
	cores        float64 // cores the server used during the run
	half         *result // the run at half of Unbound's rate
}

func (r result) cpuPerQuery() float64 { return r.cores / r.qps * 1e6 }

// measure runs dnsperf against s, at most at rate queries a second (0: as fast as it can).
func measure(s server, others []server, queries string, rate float64) *result {
	// The others wait, stopped: each swarm dns polls its agent every second, which would
	// take the core from the one measured for milliseconds at a time.
	for _, o := range others {
		if o.name != s.name {
			benchproc.Check(syscall.Kill(o.pid, syscall.SIGSTOP))
			defer func() { benchproc.Check(syscall.Kill(o.pid, syscall.SIGCONT)) }()
		}
	}
	before := benchproc.CPUTime(s.pid)
	r := dnsperf(s.addr, queries, rate)
	r.cores = (benchproc.CPUTime(s.pid) - before).Seconds() / r.elapsed
	return r
}

const (
	swarmName    = "swarm dns"
	swarmAnyName = "swarm dns on 0.0.0.0"
	unboundName  = "Unbound"
	echoName     = "echo"
)

func report(servers []server, results map[string][]result) {
	fmt.Printf("## DNS: %s, %s\n\n", time.Now().UTC().Format("2006-01-02"), benchproc.Machine())
	fmt.Printf("dnsperf -c %d -T %d -q 100 -l %s, %d A queries of %d Services (3 ready endpoints each) in turn; servers on CPU %s, dnsperf on CPU %s; %d rounds; latency at half of Unbound's rate of the round (dnsperf -Q, -v). swarm dns listens on %s:%s, the second on %s; echo sends each query back with no DNS work; only the target measured runs.\n\n",
		*clients, *threads, *duration, *services, *services, *serverCPU, *dnsperfCPU, *runs, swarmAddr, port, swarmAnyListen)
	fmt.Println("| round | target | queries/s | / Unbound | CPU per query | / Unbound | half load | p50 / p99 at half load |")
	fmt.Println("| --- | --- | --- | --- | --- | --- | --- | --- |")
	for i := range results[unboundName] {
		u := results[unboundName][i]
		for _, s := range servers {
			r := results[s.name][i]
			fmt.Printf("| %d | %s | %.0f | %.2fx | %.1f µs | %.2fx | %.0f/s | %.3f / %.3f ms |\n", i+1, s.name, r.qps, r.qps/u.qps,
				r.cpuPerQuery(), r.cpuPerQuery()/u.cpuPerQuery(), u.qps/2, r.half.p50*1000, r.half.p99*1000)
		}
	}
	fmt.Println()
	fmt.Println("| target | queries/s (median) | / Unbound (median of the rounds) | CPU per query (median) | p50 at half load (median) | p99 at half load (median) | p99 at half load (range) | lost |")
	fmt.Println("| --- | --- | --- | --- | --- | --- | --- | --- |")
	for _, s := range servers {
		var qps, ratio, cpu, p50, p99 []float64
		lost := 0
		for i, r := range results[s.name] {
			qps = append(qps, r.qps)
			ratio = append(ratio, r.qps/results[unboundName][i].qps)
			cpu = append(cpu, r.cpuPerQuery())
			p50 = append(p50, r.half.p50*1000)
			p99 = append(p99, r.half.p99*1000)
			lost += r.lost + r.half.lost
		}
		fmt.Printf("| %s | %.0f | %.2fx | %.1f µs | %.3f ms | %.3f ms | %.3f to %.3f ms | %d |\n", s.name, benchproc.Median(qps),
			benchproc.Median(ratio), benchproc.Median(cpu), benchproc.Median(p50), benchproc.Median(p99), slices.Min(p99), slices.Max(p99), lost)
	}
}

var (
	qpsRe  = regexp.MustCompile(`Queries per second:\s+([0-9.]+)`)
	latRe  = regexp.MustCompile(`Average Latency \(s\):\s+([0-9.]+)`)
	lostRe = regexp.MustCompile(`Queries lost:\s+([0-9]+)`)
	runRe  = regexp.MustCompile(`Run time \(s\):\s+([0-9.]+)`)
)

// answerRe is a line of dnsperf -v: "> NOERROR name A 0.000123".
var answerRe = regexp.MustCompile(`(?m)^> [A-Z]+ \S+ \S+ ([0-9.]+)$`)

func dnsperf(addr, queries string, rate float64) *result {
	host, p, _ := net.SplitHostPort(addr)
	args := []string{"-c", *dnsperfCPU, "dnsperf", "-s", host, "-p", p,
		"-d", queries, "-l", strconv.Itoa(int(duration.Seconds())), "-c", strconv.Itoa(*clients), "-T", strconv.Itoa(*threads), "-q", "100"}
	if rate > 0 {
		args = append(args, "-Q", strconv.Itoa(int(rate)), "-v")
	}
	out, err := runToFile(exec.Command("taskset", args...))
	if err != nil {
		benchproc.Fatalf("dnsperf against %s: %v\n%s", addr, err, out)
	}
	r := &result{}
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
		benchproc.Fatalf("no figures in dnsperf's output:\n%.4000s", out)
	}
	if rate > 0 {
		var lat []float64
		for _, m := range answerRe.FindAllSubmatch(out, -1) {
			l, _ := strconv.ParseFloat(string(m[1]), 64)
			lat = append(lat, l)
		}
		if len(lat) == 0 {
			benchproc.Fatalf("no latencies in dnsperf's output:\n%.4000s", out)
		}
		slices.Sort(lat)
		r.p50, r.p99 = lat[len(lat)/2], lat[len(lat)*99/100]
	}
	return r
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
	benchproc.Check(err)
	l, err := net.Listen("tcp", agentAddr)
	benchproc.Check(err)
	srv := &http.Server{Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		_, _ = w.Write(body)
	})}
	go func() { _ = srv.Serve(l) }()
	return func() { _ = srv.Shutdown(context.Background()) }
}

// waitAnswers waits until addr answers the first Service's name with n records (3; the echo
// target sends the question back with none).
func waitAnswers(addr string, n int) {
	c := &dns.Client{Timeout: 200 * time.Millisecond}
	q := new(dns.Msg).SetQuestion("svc0.ns0.svc.cluster.local.", dns.TypeA)
	for deadline := time.Now().Add(15 * time.Second); time.Now().Before(deadline); time.Sleep(50 * time.Millisecond) {
		if r, _, err := c.Exchange(q, addr); err == nil && len(r.Answer) == n {
			return
		}
	}
	benchproc.Fatalf("%s does not answer", addr)
}

// runToFile runs cmd with its output going to a file in memory rather than to a pipe or a
// disk: with -v dnsperf writes a line per query from the thread that takes in the answers,
// and a pipe that fills up until this process reads it, or a write that waits for the disk,
// holds that thread back, which dnsperf then counts as the queries' latency (p99 2.2 ms
// through a pipe, 1.0 ms through a file, on the same machine within minutes).
func runToFile(cmd *exec.Cmd) ([]byte, error) {
	dir := ""
	if fi, err := os.Stat("/dev/shm"); err == nil && fi.IsDir() {
		dir = "/dev/shm"
	}
	f, err := os.CreateTemp(dir, "swarm-bench-dnsperf-")
	if err != nil {
		return nil, err
	}
	defer os.Remove(f.Name())
	defer f.Close()
	cmd.Stdout, cmd.Stderr = f, f
	runErr := cmd.Run()
	out, err := os.ReadFile(f.Name())
	if err != nil {
		return nil, err
	}
	return out, runErr
}

// serveEcho answers each datagram on addr with itself, the QR bit set: what dnsperf
// measures against it is the latency of the load generator, the loopback and the scheduler,
// with a server that does no DNS work.
func serveEcho(addr string) {
	signal.Reset(os.Interrupt) // stopped like the servers, quietly
	c, err := net.ListenPacket("udp", addr)
	benchproc.Check(err)
	conn := c.(*net.UDPConn)
	buf := make([]byte, 1500)
	for {
		n, from, err := conn.ReadFromUDPAddrPort(buf)
		if err != nil || n < 3 {
			continue
		}
		buf[2] |= 0x80
		_, _ = conn.WriteToUDPAddrPort(buf[:n], from)
	}
}
