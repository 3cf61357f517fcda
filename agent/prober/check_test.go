package prober

import (
	"context"
	"net"
	"net/http"
	"net/http/httptest"
	"os/exec"
	"strconv"
	"strings"
	"testing"

	"github.com/podman-swarm/podman-swarm/quadlet"
)

// portOf is the port of a test server's address.
func portOf(t *testing.T, addr string) int32 {
	t.Helper()
	_, p, err := net.SplitHostPort(addr)
	if err != nil {
		t.Fatal(err)
	}
	n, err := strconv.Atoi(p)
	if err != nil {
		t.Fatal(err)
	}
	return int32(n)
}

// closedPort is a loopback port nothing listens on.
func closedPort(t *testing.T) int32 {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	p := portOf(t, ln.Addr().String())
	ln.Close()
	return p
}

func httpProbe(port int32) *quadlet.Probe {
	return &quadlet.Probe{Kind: quadlet.ProbeHTTP, Port: 8080, NodePort: port, Path: "/ready", Scheme: "http",
		Headers:       []quadlet.ProbeHeader{{Name: "X-Probe", Value: "readiness"}},
		PeriodSeconds: 1, TimeoutSeconds: 1, SuccessThreshold: 1, FailureThreshold: 1}
}

// HTTP and TCP checks from the node against real loopback servers, with the kubelet's
// rules and words.
func TestCheckHTTPAndTCP(t *testing.T) {
	release := make(chan struct{})
	mux := http.NewServeMux()
	mux.HandleFunc("/ready", func(w http.ResponseWriter, r *http.Request) {
		if r.Header.Get("X-Probe") != "readiness" {
			w.WriteHeader(http.StatusBadRequest)
		}
	})
	mux.HandleFunc("/moved", func(w http.ResponseWriter, r *http.Request) { http.Redirect(w, r, "/ready", http.StatusFound) })
	mux.HandleFunc("/busy", func(w http.ResponseWriter, r *http.Request) { w.WriteHeader(http.StatusServiceUnavailable) })
	mux.HandleFunc("/slow", func(w http.ResponseWriter, r *http.Request) { <-release })
	srv := httptest.NewServer(mux)
	defer srv.Close()
	defer close(release)
	tlsSrv := httptest.NewTLSServer(mux) // a self-signed certificate
	defer tlsSrv.Close()
	port, tlsPort := portOf(t, srv.Listener.Addr().String()), portOf(t, tlsSrv.Listener.Addr().String())
	closes, err := net.Listen("tcp", "127.0.0.1:0") // what pasta does with nothing listening
	if err != nil {
		t.Fatal(err)
	}
	defer closes.Close()
	go func() {
		for {
			c, err := closes.Accept()
			if err != nil {
				return
			}
			c.Close()
		}
	}()

	with := func(p *quadlet.Probe, edit func(*quadlet.Probe)) *quadlet.Probe {
		c := *p
		edit(&c)
		return &c
	}
	ch := Checker{NodeAddr: "127.0.0.1"}
	for _, tc := range []struct {
		name  string
		probe *quadlet.Probe
		ok    bool
		msg   string
	}{
		{"200", httpProbe(port), true, ""},
		{"302 followed", with(httpProbe(port), func(p *quadlet.Probe) { p.Path = "/moved" }), true, ""},
		{"503", with(httpProbe(port), func(p *quadlet.Probe) { p.Path = "/busy" }), false, "HTTP probe failed with statuscode: 503"},
		{"refused", httpProbe(closedPort(t)), false, "connection refused"},
		{"timeout", with(httpProbe(port), func(p *quadlet.Probe) { p.Path = "/slow" }), false, "deadline exceeded"},
		{"https, self-signed", with(httpProbe(tlsPort), func(p *quadlet.Probe) { p.Scheme = "https" }), true, ""},
		{"https 503", with(httpProbe(tlsPort), func(p *quadlet.Probe) { p.Scheme, p.Path = "https", "/busy" }), false, "HTTP probe failed with statuscode: 503"},
		{"not published", with(httpProbe(0), func(p *quadlet.Probe) {}), false, "port 8080 is not published on the node"},
		{"a host of its own, at the container port", with(httpProbe(0), func(p *quadlet.Probe) { p.Host, p.Port = "127.0.0.1", port }), true, ""},
		{"tcp open", &quadlet.Probe{Kind: quadlet.ProbeTCP, Port: 80, NodePort: port, TimeoutSeconds: 1}, true, ""},
		{"tcp refused", &quadlet.Probe{Kind: quadlet.ProbeTCP, Port: 80, NodePort: closedPort(t), TimeoutSeconds: 1}, false, "connection refused"},
		{"tcp through a forwarder with nothing behind", &quadlet.Probe{Kind: quadlet.ProbeTCP, Port: 80, NodePort: portOf(t, closes.Addr().String()), TimeoutSeconds: 1}, false, "nothing listens"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			out := ch.Check(context.Background(), tc.probe, "swarm-default_web_app")
			if out.OK != tc.ok || !strings.Contains(out.Message, tc.msg) {
				t.Errorf("Check = %+v, want ok=%v with %q", out, tc.ok, tc.msg)
			}
		})
	}
}

// Exec probes run the command through Exec with the container's name, bounded by the
// timeout; a failure carries the command's output.
func TestCheckExec(t *testing.T) {
	var gotContainer string
	// Runs the command on this machine, as podman exec would in the container.
	local := func(ctx context.Context, container string, cmd []string) ([]byte, error) {
		gotContainer = container
		return exec.CommandContext(ctx, cmd[0], cmd[1:]...).CombinedOutput()
	}
	ch := Checker{Exec: local}
	probe := func(cmd ...string) *quadlet.Probe {
		return &quadlet.Probe{Kind: quadlet.ProbeExec, Command: cmd, TimeoutSeconds: 1}
	}
	if out := ch.Check(context.Background(), probe("true"), "swarm-default_web_app"); !out.OK || gotContainer != "swarm-default_web_app" {
		t.Errorf("true: %+v in %q", out, gotContainer)
	}
	if out := ch.Check(context.Background(), probe("sh", "-c", "echo not yet; exit 1"), "c"); out.OK || out.Message != "not yet" {
		t.Errorf("exit 1: %+v", out)
	}
	if out := ch.Check(context.Background(), probe("sleep", "5"), "c"); out.OK || !strings.Contains(out.Message, "timed out") {
		t.Errorf("sleep past the timeout: %+v", out)
	}
}
