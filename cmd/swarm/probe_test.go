package main

import (
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
)

// The flags that quadlet's HealthCmd passes reach the probe.
func TestProbeCommand(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path != "/healthz" || r.Header.Get("X-Check") != "yes: really" {
			http.Error(w, "no", http.StatusServiceUnavailable)
		}
	}))
	defer srv.Close()
	_, port, _ := net.SplitHostPort(strings.TrimPrefix(srv.URL, "http://"))
	run := func(args ...string) error {
		cmd := newRootCommand()
		cmd.SetArgs(args)
		return cmd.Execute()
	}
	if err := run("probe", "http", "--host", "127.0.0.1", "--port", port, "--path", "/healthz", "--scheme", "http", "--timeout", "2s", "--header", "X-Check: yes: really"); err != nil {
		t.Errorf("healthy http probe failed: %v", err)
	}
	if err := run("probe", "http", "--host", "127.0.0.1", "--port", port, "--path", "/healthz", "--timeout", "2s"); err == nil {
		t.Error("http probe without the header succeeded against a 503")
	}
	if err := run("probe", "tcp", "--host", "127.0.0.1", "--port", port, "--timeout", "1s"); err != nil {
		t.Errorf("tcp probe of an open port failed: %v", err)
	}
	srv.Close()
	if err := run("probe", "tcp", "--host", "127.0.0.1", "--port", port, "--timeout", "1s"); err == nil {
		t.Error("tcp probe of a closed port succeeded")
	}
}
