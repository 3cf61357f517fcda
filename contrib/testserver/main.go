// Command testserver is the workload of podman-swarm's end-to-end tests and examples: a
// static HTTP server, small enough to become an image with `podman import`, that answers
// with the pod it runs in so that load balancing and DNS can be seen from outside.
//
//	GET /          "hello from POD on NODE\n"
//	GET /healthz   200 "ok", or 503 after GET /fail (until GET /recover): for liveness
//	GET /ready     200 "ready", or 503 after GET /unready (until GET /reready) and once
//	               shutting down: for readiness, apart from liveness
//	GET /env?k=K   the value of the environment variable K
//	GET /file?p=P  the content of the file P
//	GET /resolve?name=N  the addresses N resolves to, one per line
//	GET /fetch?url=U     the body of GET U on a new connection (to test reaching other pods)
//	GET /udp?addr=A      the answer of the UDP echo at A (host:port) to one datagram
//	GET /addrs           the addresses of the pod's interfaces, one per line (CIDR notation)
//	GET /caps            the CapEff line of the server's /proc/self/status
//	GET /bulk?mb=N       N MiB of zeros (a throughput source)
//	GET /measure?url=U&n=N[&keepalive=1]  JSON: N GETs of U, their p50/p99 latency
//	GET /throughput?url=U  JSON: the bytes per second of one GET of U (e.g. a /bulk)
//	GET /compare?url=A&url=B&n=N[&keepalive=1]  JSON: p50/p99 of each URL over N GETs taken in turn
//	GET /load/start?url=U&rate=R[&keepalive=1][&timeout=D]  start R GETs of U a second, each
//	               on a new connection unless keepalive=1 (409 while a load runs)
//	GET /load/status     JSON {sent, ok, failed, failures: {reason: count}} of the load so far
//	GET /load/stop       stop the load, wait for its requests in flight, answer its JSON
//	GET /load?url=U&rate=R&for=D  a load of D, its JSON at the end
//
// With --run-for D it is a batch workload instead, a Job's pod: it prints "batch run of POD
// started", waits D, prints "batch run of POD done, exit status N" and exits with
// --exit-code N.
//
// With --udp ADDR it also answers every datagram on ADDR with "hello from POD on NODE\n".
//
// On SIGTERM (or SIGINT) it shuts down gracefully: /ready answers 503 at once, requests
// are still served for --shutdown-delay, then it stops accepting, closes idle kept-alive
// connections, lets the requests in flight finish (for at most --shutdown-grace) and exits 0.
//
// Every request is logged to stdout, which systemd sends to the journal.
package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"log"
	"net"
	"net/http"
	"os"
	"strings"
	"sync/atomic"
	"time"
)

func main() {
	listen := flag.String("listen", ":8080", "address to listen on")
	udp := flag.String("udp", "", "address of a UDP echo that answers with the pod's name (none when empty)")
	delay := flag.Duration("shutdown-delay", 0, "on SIGTERM, keep serving this long (answering /ready with 503) before shutting down")
	grace := flag.Duration("shutdown-grace", 30*time.Second, "on SIGTERM, wait at most this long for requests in flight")
	runFor := flag.Duration("run-for", 0, "batch mode, as a Job's pod: serve nothing, print a line, wait this long, print another and exit")
	exitCode := flag.Int("exit-code", 0, "the exit status of batch mode")
	flag.Parse()
	pod := os.Getenv("POD_NAME")
	if pod == "" {
		pod, _ = os.Hostname()
	}
	if *runFor > 0 {
		os.Exit(batch(os.Stdout, pod, *runFor, *exitCode))
	}
	node := os.Getenv("NODE_NAME")
	var failing, unready, stopping atomic.Bool
	mux := http.NewServeMux()
	mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		fmt.Fprintf(w, "hello from %s on %s\n", pod, node)
	})
	mux.HandleFunc("/healthz", func(w http.ResponseWriter, r *http.Request) {
		if failing.Load() {
			http.Error(w, "failing on request", http.StatusServiceUnavailable)
			return
		}
		fmt.Fprintln(w, "ok")
	})
	mux.HandleFunc("/fail", func(w http.ResponseWriter, r *http.Request) { failing.Store(true) })
	mux.HandleFunc("/recover", func(w http.ResponseWriter, r *http.Request) { failing.Store(false) })
	mux.HandleFunc("/ready", func(w http.ResponseWriter, r *http.Request) {
		switch {
		case stopping.Load():
			http.Error(w, "shutting down", http.StatusServiceUnavailable)
		case unready.Load():
			http.Error(w, "unready on request", http.StatusServiceUnavailable)
		default:
			fmt.Fprintln(w, "ready")
		}
	})
	mux.HandleFunc("/unready", func(w http.ResponseWriter, r *http.Request) { unready.Store(true) })
	mux.HandleFunc("/reready", func(w http.ResponseWriter, r *http.Request) { unready.Store(false) })
	mux.HandleFunc("/env", func(w http.ResponseWriter, r *http.Request) {
		fmt.Fprint(w, os.Getenv(r.URL.Query().Get("k")))
	})
	mux.HandleFunc("/resolve", func(w http.ResponseWriter, r *http.Request) {
		ctx, cancel := context.WithTimeout(r.Context(), 5*time.Second)
		defer cancel()
		addrs, err := net.DefaultResolver.LookupHost(ctx, r.URL.Query().Get("name"))
		if err != nil {
			http.Error(w, err.Error(), http.StatusBadGateway)
			return
		}
		fmt.Fprintln(w, strings.Join(addrs, "\n"))
	})
	mux.HandleFunc("/fetch", func(w http.ResponseWriter, r *http.Request) {
		// A new connection each time, so that repeated fetches of a name show which
		// endpoint DNS gives each time rather than the one a kept-alive connection holds.
		client := http.Client{Timeout: 5 * time.Second, Transport: &http.Transport{DisableKeepAlives: true}}
		resp, err := client.Get(r.URL.Query().Get("url"))
		if err != nil {
			http.Error(w, err.Error(), http.StatusBadGateway)
			return
		}
		defer resp.Body.Close()
		io.Copy(w, resp.Body)
	})
	addMeasures(mux)
	addCompare(mux)
	addLoad(mux)
	addFile(mux)
	logged := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		log.Printf("%s %s %s", r.RemoteAddr, r.Method, r.URL.RequestURI())
		mux.ServeHTTP(w, r)
	})
	log.SetOutput(os.Stdout)
	if *udp != "" {
		go func() { log.Fatal(serveUDP(*udp, fmt.Sprintf("hello from %s on %s\n", pod, node))) }()
	}
	ln, err := net.Listen("tcp", *listen)
	if err != nil {
		log.Fatal(err)
	}
	log.Printf("testserver %s listening on %s", pod, *listen)
	if err := serveUntilSignal(ln, logged, &stopping, *delay, *grace); err != nil {
		log.Fatal(err)
	}
}
