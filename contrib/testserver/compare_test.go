package main

import (
	"encoding/json"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"sync"
	"testing"
)

// order records the order requests reach two servers in, and the connections they came on.
type order struct {
	mu    sync.Mutex
	seen  []string
	conns map[string]map[string]bool // server -> remote addresses
}

func (o *order) server(t *testing.T, name string) *httptest.Server {
	s := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		o.mu.Lock()
		o.seen = append(o.seen, name)
		if o.conns[name] == nil {
			o.conns[name] = map[string]bool{}
		}
		o.conns[name][r.RemoteAddr] = true
		o.mu.Unlock()
		w.Write([]byte("ok"))
	}))
	t.Cleanup(s.Close)
	return s
}

func TestCompareTakesURLsInTurn(t *testing.T) {
	for _, keepalive := range []bool{false, true} {
		o := &order{conns: map[string]map[string]bool{}}
		a, b := o.server(t, "a"), o.server(t, "b")
		mux := http.NewServeMux()
		addCompare(mux)
		srv := httptest.NewServer(mux)
		t.Cleanup(srv.Close)

		q := url.Values{"url": {a.URL + "/", b.URL + "/"}, "n": {"5"}}
		if keepalive {
			q.Set("keepalive", "1")
		}
		resp, err := http.Get(srv.URL + "/compare?" + q.Encode())
		if err != nil {
			t.Fatal(err)
		}
		var got []urlLatency
		err = json.NewDecoder(resp.Body).Decode(&got)
		resp.Body.Close()
		if err != nil || resp.StatusCode != http.StatusOK {
			t.Fatalf("keepalive=%v: status %d, %v", keepalive, resp.StatusCode, err)
		}
		if len(got) != 2 || got[0].URL != a.URL+"/" || got[1].URL != b.URL+"/" || got[0].N != 5 || got[1].N != 5 {
			t.Fatalf("keepalive=%v: answer %+v", keepalive, got)
		}
		for _, g := range got {
			if g.P50us <= 0 || g.P99us < g.P50us {
				t.Errorf("keepalive=%v: %s: p50 %d µs, p99 %d µs", keepalive, g.URL, g.P50us, g.P99us)
			}
		}
		want := []string{"a", "b", "a", "b", "a", "b", "a", "b", "a", "b"}
		if len(o.seen) != len(want) {
			t.Fatalf("keepalive=%v: requests %v, want %v", keepalive, o.seen, want)
		}
		for i := range want {
			if o.seen[i] != want[i] {
				t.Fatalf("keepalive=%v: requests %v, want %v", keepalive, o.seen, want)
			}
		}
		// One kept-alive connection per URL, or a new one for every request.
		for _, name := range []string{"a", "b"} {
			if n := len(o.conns[name]); (keepalive && n != 1) || (!keepalive && n != 5) {
				t.Errorf("keepalive=%v: %s saw %d connections", keepalive, name, n)
			}
		}
	}
}

func TestCompareReportsAnUnreachableURL(t *testing.T) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	gone := "http://" + l.Addr().String() + "/"
	l.Close() // nothing listens there any more: a refused connection
	mux := http.NewServeMux()
	addCompare(mux)
	srv := httptest.NewServer(mux)
	t.Cleanup(srv.Close)
	for _, q := range []string{"url=" + url.QueryEscape(gone), ""} {
		resp, err := http.Get(srv.URL + "/compare?" + q)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		want := http.StatusBadGateway
		if q == "" {
			want = http.StatusBadRequest
		}
		if resp.StatusCode != want {
			t.Errorf("query %q: status %d, want %d", q, resp.StatusCode, want)
		}
	}
}
