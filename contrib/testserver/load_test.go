package main

import (
	"encoding/json"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"
)

// A load against a server that fails every other request counts both kinds, and one
// against a closed port counts its refusals under one reason.
func TestLoadCountsFailuresByReason(t *testing.T) {
	target := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if strings.HasSuffix(r.URL.Path, "/bad") {
			http.Error(w, "no", http.StatusServiceUnavailable)
		}
	}))
	defer target.Close()
	closed, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	refused := "http://" + closed.Addr().String() + "/"
	closed.Close()

	mux := http.NewServeMux()
	addLoad(mux)
	gen := httptest.NewServer(mux)
	defer gen.Close()
	for _, c := range []struct {
		url    string
		reason string
	}{
		{target.URL + "/good", ""},
		{target.URL + "/bad", "HTTP 503"},
		{refused, "dial: connect: connection refused"},
	} {
		var r loadReport
		getJSON(t, gen.URL+"/load?rate=50&for=300ms&url="+c.url, &r)
		if r.Sent == 0 || r.Sent != r.OK+r.Failed {
			t.Errorf("%s: sent %d, ok %d, failed %d", c.url, r.Sent, r.OK, r.Failed)
		}
		if c.reason == "" && (r.Failed != 0 || len(r.Failures) != 0) {
			t.Errorf("%s: failures %v, want none", c.url, r.Failures)
		}
		if c.reason != "" && (r.OK != 0 || r.Failures[c.reason] != r.Sent) {
			t.Errorf("%s: ok %d, failures %v, want all %d as %q", c.url, r.OK, r.Failures, r.Sent, c.reason)
		}
	}
}

// start, status and stop make one run across several requests; a second start while it
// runs is refused.
func TestLoadStartStop(t *testing.T) {
	target := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {}))
	defer target.Close()
	mux := http.NewServeMux()
	addLoad(mux)
	gen := httptest.NewServer(mux)
	defer gen.Close()
	if code := status(t, gen.URL+"/load/start?rate=40&url="+target.URL); code != http.StatusOK {
		t.Fatalf("start: %d", code)
	}
	if code := status(t, gen.URL+"/load/start?rate=40&url="+target.URL); code != http.StatusConflict {
		t.Errorf("second start: %d, want 409", code)
	}
	var mid, end loadReport
	deadline := time.Now().Add(10 * time.Second)
	for mid.Sent == 0 && time.Now().Before(deadline) {
		time.Sleep(50 * time.Millisecond)
		getJSON(t, gen.URL+"/load/status", &mid)
	}
	getJSON(t, gen.URL+"/load/stop", &end)
	if end.Sent < mid.Sent || end.OK != end.Sent || end.Failed != 0 {
		t.Errorf("status %+v then stop %+v: want every request ok, stop counting at least as many", mid, end)
	}
	if code := status(t, gen.URL+"/load/stop"); code != http.StatusNotFound {
		t.Errorf("stop without a load: %d, want 404", code)
	}
}

func getJSON(t *testing.T, url string, v any) {
	t.Helper()
	resp, err := http.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	if err := json.NewDecoder(resp.Body).Decode(v); err != nil {
		t.Fatalf("GET %s: %d: %v", url, resp.StatusCode, err)
	}
}

func status(t *testing.T, url string) int {
	t.Helper()
	resp, err := http.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	return resp.StatusCode
}
