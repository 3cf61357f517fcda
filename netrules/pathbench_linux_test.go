package netrules

import (
	"fmt"
	"net"
	"os"
	"os/exec"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/podman-swarm/podman-swarm/discovery"
	"github.com/podman-swarm/podman-swarm/internal/pairs"
	"github.com/podman-swarm/podman-swarm/internal/privnet"
)

// The one cost a Service adds on the way out of a pod is in the pod's own namespace: the
// rules DNAT a connection's first packet to an endpoint, and conntrack translates every
// reply back. TestBenchmarkServicePath measures that cost alone, where the path is quiet
// enough to judge it: a private namespace with the rules of one Service and one ready
// endpoint on the loopback, no pasta and no rig in the way.

// The Service and its endpoint: a ClusterIP routed to lo (as the pasta interface routes it
// in a pod) and a loopback address and port (a node address and node port).
const (
	benchClusterIP = "10.43.0.10:80"
	benchEndpoint  = "127.0.0.2:20001"
	benchPodIP     = "10.42.0.100" // netSetup's own pod IP
	benchAnswer    = 64            // bytes of the small request's answer
)

func benchInput() Input {
	return Input{Services: []discovery.Service{{
		Namespace: "default", Name: "bulk", ClusterIP: "10.43.0.10",
		Ports:     []discovery.Port{tcp("data", 80, 0)},
		Endpoints: []discovery.Endpoint{ep("bulk-a", "127.0.0.2", true, tcp("data", 20001, 80))},
	}}}
}

// TestBenchmarkServicePath downloads through the ClusterIP and straight from the endpoint
// in pairs, back to back, taking turns at going first, and judges the goal "the Service
// path moves at least 0.95x the direct one" from the per-pair ratios; then it opens new
// connections with one small request to the two paths in turn and compares their
// medians. It prints the figures and asserts no speed: `make bench-netpath` runs it.
func TestBenchmarkServicePath(t *testing.T) {
	if os.Getenv(envPathBench) == "" {
		t.Skip("a benchmark: run `make bench-netpath`")
	}
	cfg, err := pathBenchConfig(os.Getenv)
	if err != nil {
		t.Fatal(err)
	}
	if !privnet.Enter(t, "nft") {
		return
	}
	netSetup(t)
	serveStream(t, benchEndpoint)
	load(t, Render(benchInput()))

	// Both paths connect from the namespace's pod IP, as a pod's connections do: after the
	// translation the two are the same connection, from the same address to the same one.
	from := &net.TCPAddr{IP: net.ParseIP(benchPodIP)}
	kernel, _ := os.ReadFile("/proc/sys/kernel/osrelease")
	nftVersion, _ := exec.Command("nft", "--version").Output()
	fmt.Printf("bench-netpath: kernel %s, %s; from %s to %s (service) and %s (direct): %d pairs of %d MiB, %d new connections a path\n",
		strings.TrimSpace(string(kernel)), strings.TrimSpace(string(nftVersion)), benchPodIP, benchClusterIP, benchEndpoint, cfg.pairs, cfg.mib, cfg.requests)

	const service, direct = 0, 1
	paths := [2]string{service: benchClusterIP, direct: benchEndpoint}
	names := [2]string{service: "service", direct: "direct"}
	var failed [2]int
	buf := make([]byte, streamBuf)
	size := int64(cfg.mib) << 20
	download := func(k int) int64 {
		took, err := fetch(from, paths[k], size, buf, time.Minute)
		if err != nil {
			failed[k]++
			fmt.Printf("bench-netpath: %s download: %v\n", names[k], err)
			return 0
		}
		return int64(float64(size) / took.Seconds())
	}

	// One download a path first, printed and not judged; direct first, as the first pair
	// starts with the Service.
	warmDirect := download(direct)
	warmService := download(service)
	fmt.Printf("bench-netpath: warm-up, direct %.0f MB/s, then service %.0f MB/s\n", float64(warmDirect)/1e6, float64(warmService)/1e6)
	failed = [2]int{}

	var ratios pairs.Ratios
	var tput [2][]int64
	var each []string
	for i := range cfg.pairs {
		var got [2]int64
		for _, k := range pairOrder(i) {
			if got[k] = download(k); got[k] > 0 {
				tput[k] = append(tput[k], got[k])
			}
		}
		ratios.Add(got[service], got[direct])
		each = append(each, fmt.Sprintf("%.0f/%.0f", float64(got[service])/1e6, float64(got[direct])/1e6))
	}
	mid, lo, hi, _ := ratios.Interval(0.95)
	fmt.Printf("bench-netpath: throughput, %d pairs of %d MiB: service median %.0f MB/s, direct %.0f MB/s; per pair service/direct median %.2f, 95%% interval %.2f-%.2f; goal >= 0.95x: %s; failed downloads: service %d, direct %d\n",
		cfg.pairs, cfg.mib, float64(quantile(tput[service], 0.5))/1e6, float64(quantile(tput[direct], 0.5))/1e6,
		mid, lo, hi, ratios.Verdict(0.95, 0.95), failed[service], failed[direct])
	fmt.Printf("bench-netpath: each pair, service/direct MB/s: %s\n", strings.Join(each, " "))

	// New connections, request by request in turn, so that the machine's drift touches
	// both paths alike.
	var lat [2][]time.Duration
	var refusedReqs [2]int
	for i := range cfg.requests {
		for _, k := range pairOrder(i) {
			took, err := fetch(from, paths[k], benchAnswer, buf, 5*time.Second)
			if err != nil {
				refusedReqs[k]++
				continue
			}
			lat[k] = append(lat[k], took)
		}
	}
	p50 := [2]time.Duration{quantile(lat[service], 0.5), quantile(lat[direct], 0.5)}
	fmt.Printf("bench-netpath: new connection and a %d-byte answer, %d a path in turn: p50 service %s µs, direct %s µs (%+.1f µs); p99 %s / %s µs; failed: service %d, direct %d\n",
		benchAnswer, cfg.requests, micros(p50[service]), micros(p50[direct]), float64(p50[service]-p50[direct])/1e3,
		micros(quantile(lat[service], 0.99)), micros(quantile(lat[direct], 0.99)), refusedReqs[service], refusedReqs[direct])

	if n, err := invalidDrops(); err != nil {
		t.Errorf("read the input chain's counter: %v", err)
	} else {
		fmt.Printf("bench-netpath: the rules dropped %d TCP packets conntrack found invalid\n", n)
	}
	if failed != [2]int{} || refusedReqs != [2]int{} {
		t.Errorf("downloads failed (service %d, direct %d) or requests did (service %d, direct %d); see above",
			failed[service], failed[direct], refusedReqs[service], refusedReqs[direct])
	}
}

var packetsCounted = regexp.MustCompile(`packets (\d+)`)

// invalidDrops reads the counter of the rules' input chain: the TCP packets conntrack
// found invalid and the rules dropped since they were loaded.
func invalidDrops() (int, error) {
	out, err := exec.Command("nft", "list", "chain", "ip", Table, "input").CombinedOutput()
	if err != nil {
		return 0, fmt.Errorf("list the input chain: %w: %s", err, out)
	}
	m := packetsCounted.FindSubmatch(out)
	if m == nil {
		return 0, fmt.Errorf("no counter in the input chain: %s", out)
	}
	return strconv.Atoi(string(m[1]))
}
