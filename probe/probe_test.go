package probe

import (
	"context"
	"errors"
	"io"
	"log"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"testing"
	"time"
)

// hostPort splits a test server's address into the probe's host and port.
func hostPort(t *testing.T, rawURL string) (string, int) {
	t.Helper()
	u, err := url.Parse(rawURL)
	if err != nil {
		t.Fatal(err)
	}
	port, err := strconv.Atoi(u.Port())
	if err != nil {
		t.Fatal(err)
	}
	return u.Hostname(), port
}

func TestHTTPStatus(t *testing.T) {
	for _, tc := range []struct {
		status int
		ok     bool
	}{
		{200, true}, {204, true}, {302, true}, {399, true},
		{400, false}, {404, false}, {500, false}, {503, false},
	} {
		srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if tc.status == 302 {
				// A redirect without Location is not followed: its own status decides.
				w.WriteHeader(302)
				return
			}
			w.WriteHeader(tc.status)
		}))
		host, port := hostPort(t, srv.URL)
		err := HTTP(context.Background(), host, port, "/healthz", "http", nil, 5*time.Second)
		if (err == nil) != tc.ok {
			t.Errorf("status %d: err = %v, want success %v", tc.status, err, tc.ok)
		}
		if err != nil && !strings.Contains(err.Error(), strconv.Itoa(tc.status)) {
			t.Errorf("status %d: error %q does not name the status", tc.status, err)
		}
		srv.Close()
	}
}

func TestHTTPRequest(t *testing.T) {
	got := make(chan *http.Request, 1)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		got <- r
	}))
	defer srv.Close()
	host, port := hostPort(t, srv.URL)
	headers := http.Header{"X-Probe": {"liveness"}, "Host": {"example.test"}}
	if err := HTTP(context.Background(), host, port, "ready?full=1", "", headers, 5*time.Second); err != nil {
		t.Fatal(err)
	}
	r := <-got
	if r.Method != http.MethodGet || r.URL.Path != "/ready" || r.URL.RawQuery != "full=1" {
		t.Errorf("request %s %s", r.Method, r.URL)
	}
	if r.Header.Get("X-Probe") != "liveness" || r.Host != "example.test" || r.Header.Get("User-Agent") != userAgent {
		t.Errorf("headers %v, host %q", r.Header, r.Host)
	}
}

func TestHTTPRedirects(t *testing.T) {
	other := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.WriteHeader(500)
	}))
	defer other.Close()
	// The same server on another host name: localhost instead of 127.0.0.1.
	_, otherPort := hostPort(t, other.URL)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch r.URL.Path {
		case "/same":
			http.Redirect(w, r, "/broken", http.StatusFound)
		case "/broken":
			w.WriteHeader(500)
		case "/loop":
			http.Redirect(w, r, "/loop", http.StatusFound)
		case "/elsewhere":
			http.Redirect(w, r, "http://localhost:"+strconv.Itoa(otherPort)+"/", http.StatusFound)
		}
	}))
	defer srv.Close()
	host, port := hostPort(t, srv.URL)
	for _, tc := range []struct {
		path string
		ok   bool
	}{
		{"/same", false},     // followed, and the target fails
		{"/loop", false},     // too many redirects
		{"/elsewhere", true}, // not followed: the redirect itself is a success
	} {
		err := HTTP(context.Background(), host, port, tc.path, "http", nil, 5*time.Second)
		if (err == nil) != tc.ok {
			t.Errorf("%s: err = %v, want success %v", tc.path, err, tc.ok)
		}
	}
}

func TestHTTPSDoesNotVerify(t *testing.T) {
	srv := httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {}))
	srv.Config.ErrorLog = log.New(io.Discard, "", 0) // the plain-http attempt below is expected
	srv.StartTLS()
	defer srv.Close()
	host, port := hostPort(t, srv.URL)
	if err := HTTP(context.Background(), host, port, "/", "https", nil, 5*time.Second); err != nil {
		t.Errorf("https with a self-signed certificate: %v", err)
	}
	if err := HTTP(context.Background(), host, port, "/", "http", nil, 5*time.Second); err == nil {
		t.Error("plain http to a TLS server succeeded")
	}
}

func TestHTTPTimeout(t *testing.T) {
	release := make(chan struct{})
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		<-release
	}))
	defer srv.Close()
	defer close(release)
	host, port := hostPort(t, srv.URL)
	err := HTTP(context.Background(), host, port, "/", "http", nil, 100*time.Millisecond)
	if !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("a server that never answers: err = %v, want a deadline error", err)
	}
}

func TestHTTPRefusesBadArguments(t *testing.T) {
	if err := HTTP(context.Background(), "127.0.0.1", 80, "/", "ftp", nil, time.Second); err == nil {
		t.Error("scheme ftp accepted")
	}
	if err := HTTP(context.Background(), "127.0.0.1", 0, "/", "http", nil, time.Second); err == nil {
		t.Error("port 0 accepted")
	}
}

func TestTCP(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	port := ln.Addr().(*net.TCPAddr).Port
	if err := TCP(context.Background(), "127.0.0.1", port, 5*time.Second); err != nil {
		t.Errorf("open port: %v", err)
	}
	ln.Close()
	if err := TCP(context.Background(), "127.0.0.1", port, 5*time.Second); err == nil {
		t.Error("closed port: success")
	}
}

// A status that fails the check is told apart, with its code.
func TestHTTPStatusError(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.WriteHeader(http.StatusServiceUnavailable)
	}))
	defer srv.Close()
	host, port := hostPort(t, srv.URL)
	err := HTTP(context.Background(), host, port, "/ready", "http", nil, 5*time.Second)
	var se *StatusError
	if !errors.As(err, &se) || se.Code != 503 || !strings.Contains(err.Error(), "status 503 Service Unavailable") {
		t.Errorf("err = %v, want a StatusError of 503", err)
	}
}

// TCPHeld passes a server that waits for its client or greets it, and fails one that
// closes at once (what pasta does when nothing listens in the pod) and a closed port.
func TestTCPHeld(t *testing.T) {
	serve := func(handle func(net.Conn)) int {
		ln, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { ln.Close() })
		go func() {
			for {
				c, err := ln.Accept()
				if err != nil {
					return
				}
				go handle(c)
			}
		}()
		return ln.Addr().(*net.TCPAddr).Port
	}
	waits := serve(func(c net.Conn) { defer c.Close(); _, _ = io.Copy(io.Discard, c) })
	greets := serve(func(c net.Conn) {
		defer c.Close()
		_, _ = c.Write([]byte("220 hello\r\n"))
		_, _ = io.Copy(io.Discard, c)
	})
	closes := serve(func(c net.Conn) { c.Close() })
	ctx := context.Background()
	if err := TCPHeld(ctx, "127.0.0.1", waits, 5*time.Second, 100*time.Millisecond); err != nil {
		t.Errorf("a server that waits: %v", err)
	}
	if err := TCPHeld(ctx, "127.0.0.1", greets, 5*time.Second, 5*time.Second); err != nil {
		t.Errorf("a server that greets: %v", err)
	}
	if err := TCPHeld(ctx, "127.0.0.1", closes, 5*time.Second, 5*time.Second); err == nil {
		t.Error("a forwarder that closes at once: success")
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	port := ln.Addr().(*net.TCPAddr).Port
	ln.Close()
	if err := TCPHeld(ctx, "127.0.0.1", port, 5*time.Second, 100*time.Millisecond); err == nil {
		t.Error("a closed port: success")
	}
}

func TestParseHeader(t *testing.T) {
	for _, tc := range []struct {
		in, name, value string
		ok              bool
	}{
		{"X-Probe: liveness", "X-Probe", "liveness", true},
		{"X-Empty:", "X-Empty", "", true},
		{"X-Colon: a: b", "X-Colon", "a: b", true},
		{"no colon", "", "", false},
		{": value", "", "", false},
		{"Bad Name: v", "", "", false},
	} {
		name, value, err := ParseHeader(tc.in)
		if (err == nil) != tc.ok || name != tc.name || value != tc.value {
			t.Errorf("ParseHeader(%q) = %q, %q, %v", tc.in, name, value, err)
		}
	}
}

// execHelperEnv makes the test binary, started again by TestExec, call Exec.
const execHelperEnv = "PROBE_TEST_EXEC"

func TestExecHelper(t *testing.T) {
	argv := os.Getenv(execHelperEnv)
	if argv == "" {
		t.Skip("started by TestExec only")
	}
	err := Exec(strings.Split(argv, "|"))
	// Only reached when the command could not be started.
	os.Stderr.WriteString("exec failed: " + err.Error() + "\n")
	os.Exit(42)
}

// Exec replaces the process, so it is tested in a child: the child's exit status is the
// command's.
func TestExec(t *testing.T) {
	for _, tc := range []struct {
		argv string
		code int
	}{
		{"true", 0},
		{"false", 1},
		{"sh|-c|exit 7", 7},
		{"no-such-program-anywhere", 42},
	} {
		cmd := exec.Command(os.Args[0], "-test.run=^TestExecHelper$")
		cmd.Env = append(os.Environ(), execHelperEnv+"="+tc.argv)
		err := cmd.Run()
		code := 0
		var exit *exec.ExitError
		if errors.As(err, &exit) {
			code = exit.ExitCode()
		} else if err != nil {
			t.Fatal(err)
		}
		if code != tc.code {
			t.Errorf("Exec(%q): exit status %d, want %d", tc.argv, code, tc.code)
		}
	}
	if err := Exec(nil); err == nil {
		t.Error("Exec(nil) did not fail")
	}
}
