package main

import (
	"io"
	"net"
	"net/http"
	"os"
	"sync/atomic"
	"syscall"
	"testing"
	"time"
)

// After the signal the server is not ready but still answers for the delay; then it waits
// for the request in flight, which is answered in full, and refuses connections.
func TestShutdownFinishesRequestsInFlight(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	url := "http://" + ln.Addr().String()
	var stopping atomic.Bool
	entered, release := make(chan struct{}), make(chan struct{})
	mux := http.NewServeMux()
	mux.HandleFunc("/slow", func(w http.ResponseWriter, r *http.Request) {
		close(entered)
		<-release
		io.WriteString(w, "done")
	})
	mux.HandleFunc("/ready", func(w http.ResponseWriter, r *http.Request) {
		if stopping.Load() {
			w.WriteHeader(http.StatusServiceUnavailable)
		}
	})
	sigs := make(chan os.Signal, 1)
	served := make(chan error, 1)
	const delay = 2 * time.Second
	go func() { served <- serveUntil(ln, mux, sigs, &stopping, delay, time.Minute) }()

	slow := make(chan string, 1)
	go func() {
		resp, err := http.Get(url + "/slow")
		if err != nil {
			slow <- err.Error()
			return
		}
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		slow <- string(body)
	}()
	<-entered
	sigs <- syscall.SIGTERM
	for !stopping.Load() {
		time.Sleep(time.Millisecond)
	}
	// Within the delay: still served, not ready. A new connection each, as a kept-alive
	// one could be closed by the shutdown.
	client := http.Client{Transport: &http.Transport{DisableKeepAlives: true}}
	if resp, err := client.Get(url + "/ready"); err != nil || resp.StatusCode != http.StatusServiceUnavailable {
		t.Errorf("GET /ready while shutting down: %v %v, want 503", resp, err)
	} else {
		resp.Body.Close()
	}
	// Past the delay the shutdown has begun; it must still be waiting for /slow.
	time.Sleep(delay + 500*time.Millisecond)
	select {
	case err := <-served:
		t.Fatalf("the server returned (%v) with a request in flight", err)
	default:
	}
	close(release)
	if got := <-slow; got != "done" {
		t.Errorf("the request in flight got %q, want done", got)
	}
	if err := <-served; err != nil {
		t.Errorf("serve: %v", err)
	}
	if _, err := client.Get(url + "/"); err == nil {
		t.Errorf("GET after the shutdown answered")
	}
}
