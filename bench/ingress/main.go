// Command ingress measures the requests per second and latency of `swarm ingress` with wrk,
// side by side with nginx proxying to the same backend: both proxies pinned to one core, wrk
// and the backend to another (taskset), the targets measured in turns in every round. It
// needs the Debian packages wrk and nginx-light (or another nginx). With -swarm-base, an
// earlier build is measured in the same rounds, so that a change is compared under the same
// load.
//
//	go run ./bench/ingress -swarm bin/swarm [-swarm-base old/swarm]
package main

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"log"
	"net"
	"net/http"
	"os"
	"os/exec"
	"os/signal"
	"path/filepath"
	"regexp"
	"strconv"
	"syscall"
	"time"

	corev1 "k8s.io/api/core/v1"
	networkingv1 "k8s.io/api/networking/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/podman-swarm/podman-swarm/bench/internal/benchproc"
	"github.com/podman-swarm/podman-swarm/discovery"
)

var (
	swarmBin    = flag.String("swarm", "bin/swarm", "the swarm binary")
	baseBin     = flag.String("swarm-base", "", "an earlier swarm binary, measured in the same rounds to compare with")
	duration    = flag.Duration("duration", 10*time.Second, "length of one wrk run")
	rounds      = flag.Int("rounds", 5, "rounds; each measures every target once")
	connections = flag.Int("connections", 32, "wrk -c: open connections")
	proxyCPU    = flag.String("proxy-cpu", "0", "taskset -c list of the proxies")
	loadCPU     = flag.String("load-cpu", "1", "taskset -c list of wrk and the backend")
	backendAt   = flag.String("serve-backend", "", "internal: serve the backend at this address and do nothing else")
)

const (
	agentAddr   = "127.0.55.1:17071"
	backendAddr = "127.0.55.2:18080"
	swarmAddr   = "127.0.55.3:18081"
	nginxAddr   = "127.0.55.4:18082"
	baseAddr    = "127.0.55.5:18083"
	host        = "bench.test"
)

type target struct {
	name, addr string
	pid        int // the process whose CPU time is counted; 0 for none
}

func main() {
	flag.Parse()
	log.SetFlags(log.Ltime)
	if *backendAt != "" {
		serveBackend(*backendAt)
		return
	}
	benchproc.NeedTools("apt-get install wrk nginx-light", "wrk", "nginx", "taskset")
	defer benchproc.StopAll()
	dir := benchproc.TempDir("swarm-bench-ingress-")

	stopAgent := serveAgent()
	defer stopAgent()
	benchproc.StartSelf(*loadCPU, "-serve-backend", backendAddr)
	conf := filepath.Join(dir, "nginx.conf")
	benchproc.Check(os.WriteFile(conf, []byte(nginxConf(dir)), 0o600))
	nginx := benchproc.Start(exec.Command("taskset", "-c", *proxyCPU, "nginx", "-c", conf, "-p", dir, "-e", "stderr"))
	swarm := startSwarm(*swarmBin, swarmAddr)
	targets := []target{
		{"direct", backendAddr, 0},
		{"nginx", nginxAddr, nginx.Process.Pid},
		{"swarm ingress", swarmAddr, swarm.Process.Pid},
	}
	if *baseBin != "" {
		base := startSwarm(*baseBin, baseAddr)
		targets = append(targets, target{baseName, baseAddr, base.Process.Pid})
	}
	for _, t := range targets {
		waitOK(t.addr)
	}

	results := map[string][]result{}
	for round := range *rounds {
		// Each round starts with another target, so that none always runs first.
		for i := range targets {
			t := targets[(round+i)%len(targets)]
			var before time.Duration
			if t.pid != 0 {
				before = benchproc.CPUTime(t.pid)
			}
			r := runWrk(t.addr)
			if t.pid != 0 {
				r.cpu = benchproc.CPUTime(t.pid) - before
			}
			log.Printf("round %d, %s: %.0f requests/s, p50 %s, p99 %s, %s CPU per request", round+1, t.name, r.rps, r.p50, r.p99, r.cpuPerRequest())
			results[t.name] = append(results[t.name], r)
		}
	}
	report(results)
}

const baseName = "swarm ingress (base)"

// startSwarm runs `swarm ingress` from bin on the proxies' core, listening on addr.
func startSwarm(bin, addr string) *exec.Cmd {
	return benchproc.Start(exec.Command("taskset", "-c", *proxyCPU, bin, "ingress",
		"--listen", addr, "--listen-tls", "", "--agent", "http://"+agentAddr,
		"--state-file", "", "--node-name", "bench", "--log-level", "warn"))
}

type result struct {
	rps      float64
	requests int
	p50, p99 time.Duration
	cpu      time.Duration // of the proxy during the run
}

func (r result) cpuPerRequest() time.Duration {
	if r.requests == 0 {
		return 0
	}
	return r.cpu / time.Duration(r.requests)
}

func report(results map[string][]result) {
	fmt.Printf("## Ingress: %s, %s\n\n", time.Now().UTC().Format("2006-01-02"), benchproc.Machine())
	fmt.Printf("wrk -t1 -c%d -d%s --latency -H 'Host: %s'; proxies on CPU %s, wrk and the backend on CPU %s; %d rounds.\n\n",
		*connections, *duration, host, *proxyCPU, *loadCPU, *rounds)
	fmt.Println("| round | direct requests/s | nginx requests/s | swarm requests/s | swarm / nginx | nginx p50 / p99 | swarm p50 / p99 | nginx CPU per request | swarm CPU per request |")
	fmt.Println("| --- | --- | --- | --- | --- | --- | --- | --- | --- |")
	var ratios, cpuRatios []float64
	for i := range results["nginx"] {
		d, n, s := results["direct"][i], results["nginx"][i], results["swarm ingress"][i]
		ratios = append(ratios, s.rps/n.rps)
		cpuRatios = append(cpuRatios, float64(s.cpuPerRequest())/float64(n.cpuPerRequest()))
		fmt.Printf("| %d | %.0f | %.0f | %.0f | %.2fx | %s / %s | %s / %s | %s | %s |\n", i+1, d.rps, n.rps, s.rps, ratios[i],
			n.p50, n.p99, s.p50, s.p99, n.cpuPerRequest(), s.cpuPerRequest())
	}
	fmt.Println()
	fmt.Println("| target | requests/s (median) | p50 (median) | p99 (median) | p99 added over direct (median) | CPU per request (median) |")
	fmt.Println("| --- | --- | --- | --- | --- | --- |")
	for _, name := range []string{"direct", "nginx", "swarm ingress", baseName} {
		if results[name] == nil {
			continue
		}
		var rps, p50, p99, added, cpu []float64
		for i, r := range results[name] {
			rps = append(rps, r.rps)
			p50 = append(p50, float64(r.p50))
			p99 = append(p99, float64(r.p99))
			added = append(added, float64(r.p99-results["direct"][i].p99))
			cpu = append(cpu, float64(r.cpuPerRequest()))
		}
		fmt.Printf("| %s | %.0f | %s | %s | %s | %s |\n", name, benchproc.Median(rps), ms(benchproc.Median(p50)), ms(benchproc.Median(p99)),
			ms(benchproc.Median(added)), time.Duration(benchproc.Median(cpu)).Round(100*time.Nanosecond))
	}
	fmt.Printf("\nswarm / nginx requests/s per round: median %.2fx; CPU per request: median %.2fx.\n", benchproc.Median(ratios), benchproc.Median(cpuRatios))
	if base := results[baseName]; base != nil {
		fmt.Printf("\n%s per round: requests/s / nginx's, CPU per request / nginx's:", baseName)
		for i, b := range base {
			n := results["nginx"][i]
			fmt.Printf(" %.2fx %.2fx;", b.rps/n.rps, float64(b.cpuPerRequest())/float64(n.cpuPerRequest()))
		}
		fmt.Println()
	}
}

func ms(ns float64) string { return fmt.Sprintf("%.2f ms", ns/1e6) }

var (
	rpsRe      = regexp.MustCompile(`Requests/sec:\s+([0-9.]+)`)
	requestsRe = regexp.MustCompile(`([0-9]+) requests in`)
	p50Re      = regexp.MustCompile(`\s50%\s+([0-9.]+)(us|ms|s)`)
	p99Re      = regexp.MustCompile(`\s99%\s+([0-9.]+)(us|ms|s)`)
	errorsRe   = regexp.MustCompile(`Non-2xx or 3xx responses|Socket errors`)
)

func runWrk(addr string) result {
	out, err := exec.Command("taskset", "-c", *loadCPU, "wrk", "-t1", "-c"+strconv.Itoa(*connections),
		"-d"+strconv.Itoa(int(duration.Seconds()))+"s", "--latency", "-H", "Host: "+host, "http://"+addr+"/").CombinedOutput()
	if err != nil {
		benchproc.Fatalf("wrk against %s: %v\n%s", addr, err, out)
	}
	if errorsRe.Match(out) {
		benchproc.Fatalf("wrk against %s: errors:\n%s", addr, out)
	}
	var r result
	if m := rpsRe.FindSubmatch(out); m != nil {
		r.rps, _ = strconv.ParseFloat(string(m[1]), 64)
	}
	if m := requestsRe.FindSubmatch(out); m != nil {
		r.requests, _ = strconv.Atoi(string(m[1]))
	}
	r.p50, r.p99 = latency(p50Re, out), latency(p99Re, out)
	if r.rps == 0 || r.requests == 0 || r.p99 == 0 {
		benchproc.Fatalf("no figures in wrk's output:\n%s", out)
	}
	return r
}

func latency(re *regexp.Regexp, out []byte) time.Duration {
	m := re.FindSubmatch(out)
	if m == nil {
		return 0
	}
	d, _ := time.ParseDuration(string(m[1]) + string(m[2]))
	return d
}

// serveBackend answers "ok" to every request, as a small web service does.
func serveBackend(addr string) {
	signal.Reset(os.Interrupt, syscall.SIGTERM) // stopped by the benchmark: nothing to clean up
	srv := &http.Server{Addr: addr, Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, _ = io.WriteString(w, "ok")
	})}
	log.Fatal(srv.ListenAndServe())
}

// serveAgent answers the two lists that `swarm ingress` reads: one Ingress for host, to a
// Service whose one endpoint is the backend.
func serveAgent() func() {
	ip, port, _ := net.SplitHostPort(backendAddr)
	p, _ := strconv.Atoi(port)
	svc := discovery.Service{Namespace: "default", Name: "web",
		Ports: []discovery.Port{{Name: "http", Port: 80, Protocol: corev1.ProtocolTCP}},
		Endpoints: []discovery.Endpoint{{Pod: "web-0", Node: "bench", Address: ip, Ready: true,
			Ports: []discovery.Port{{Name: "http", Port: int32(p), Protocol: corev1.ProtocolTCP}}}}}
	prefix := networkingv1.PathTypePrefix
	ing := networkingv1.Ingress{
		TypeMeta:   metav1.TypeMeta{APIVersion: "networking.k8s.io/v1", Kind: "Ingress"},
		ObjectMeta: metav1.ObjectMeta{Namespace: "default", Name: "web"},
		Spec: networkingv1.IngressSpec{Rules: []networkingv1.IngressRule{{Host: host,
			IngressRuleValue: networkingv1.IngressRuleValue{HTTP: &networkingv1.HTTPIngressRuleValue{
				Paths: []networkingv1.HTTPIngressPath{{Path: "/", PathType: &prefix, Backend: networkingv1.IngressBackend{
					Service: &networkingv1.IngressServiceBackend{Name: "web", Port: networkingv1.ServiceBackendPort{Number: 80}}}}}}}}}},
	}
	ingresses, err := json.Marshal(map[string]any{"apiVersion": "v1", "kind": "List", "items": []networkingv1.Ingress{ing}})
	benchproc.Check(err)
	endpoints, err := json.Marshal(map[string]any{"items": []discovery.Service{svc}})
	benchproc.Check(err)
	l, err := net.Listen("tcp", agentAddr)
	benchproc.Check(err)
	srv := &http.Server{Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		switch r.URL.Path {
		case "/api/v1/ingresses":
			_, _ = w.Write(ingresses)
		case "/api/v1/endpoints":
			_, _ = w.Write(endpoints)
		default:
			http.NotFound(w, r)
		}
	})}
	go func() { _ = srv.Serve(l) }()
	return func() { _ = srv.Shutdown(context.Background()) }
}

// nginxConf proxies host to the backend as the ingress does: HTTP/1.1 to a kept-alive pool,
// the client's Host, X-Forwarded-*. One process (no master), so that its CPU time is one
// process's; no access log, as the ingress writes none.
func nginxConf(dir string) string {
	return fmt.Sprintf(`daemon off;
master_process off;
worker_processes 1;
pid %[1]s/nginx.pid;
error_log stderr warn;
events { worker_connections 1024; }
http {
  access_log off;
  client_body_temp_path %[1]s/body;
  proxy_temp_path %[1]s/proxy;
  fastcgi_temp_path %[1]s/fastcgi;
  uwsgi_temp_path %[1]s/uwsgi;
  scgi_temp_path %[1]s/scgi;
  upstream backend {
    server %[2]s;
    keepalive 64;
  }
  server {
    listen %[3]s;
    server_name %[4]s;
    location / {
      proxy_pass http://backend;
      proxy_http_version 1.1;
      proxy_set_header Connection "";
      proxy_set_header Host $host;
      proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for;
      proxy_set_header X-Forwarded-Host $host;
      proxy_set_header X-Forwarded-Proto $scheme;
    }
  }
}
`, dir, backendAddr, nginxAddr, host)
}

// waitOK waits until addr answers host with 200.
func waitOK(addr string) {
	c := &http.Client{Timeout: 500 * time.Millisecond}
	for deadline := time.Now().Add(15 * time.Second); time.Now().Before(deadline); time.Sleep(50 * time.Millisecond) {
		req, _ := http.NewRequest(http.MethodGet, "http://"+addr+"/", nil)
		req.Host = host
		if resp, err := c.Do(req); err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return
			}
		}
	}
	benchproc.Fatalf("%s does not answer %s", addr, host)
}
