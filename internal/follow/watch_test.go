package follow

import (
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// watchAgent serves /items and /name as lists, and their watches from what the test sends.
type watchAgent struct {
	*httptest.Server
	lists   atomic.Int32
	streams chan chan string // each watch takes one; what is sent on it goes out
}

func startWatchAgent(t *testing.T) *watchAgent {
	a := &watchAgent{streams: make(chan chan string, 8)}
	a.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Query().Get("watch") != "true" {
			a.lists.Add(1)
			switch r.URL.Path {
			case "/items":
				io.WriteString(w, `{"items":["a"]}`)
			case "/name":
				io.WriteString(w, `"one"`)
			}
			return
		}
		// Handed over before the answer starts: the follower opens its watches one after
		// the other, so the test takes them in the order of Paths.
		lines := make(chan string)
		select {
		case a.streams <- lines:
		case <-r.Context().Done():
			return
		}
		w.WriteHeader(http.StatusOK)
		w.(http.Flusher).Flush()
		for {
			select {
			case l := <-lines:
				io.WriteString(w, l)
				w.(http.Flusher).Flush()
			case <-r.Context().Done():
				return
			}
		}
	}))
	t.Cleanup(a.Close)
	return a
}

// stream is the next watch the follower opens.
func (a *watchAgent) stream(t *testing.T) chan string {
	t.Helper()
	select {
	case s := <-a.streams:
		return s
	case <-time.After(10 * time.Second):
		t.Fatal("the follower opened no watch")
	}
	return nil
}

func startFollowing(t *testing.T, f *follower) {
	ctx, cancel := context.WithCancel(context.Background())
	var wg sync.WaitGroup
	wg.Go(func() {
		if err := f.Start(ctx); err != nil {
			t.Errorf("Start: %v", err)
		}
	})
	t.Cleanup(func() {
		cancel()
		wg.Wait()
	})
}

func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	for deadline := time.Now().Add(10 * time.Second); !cond(); time.Sleep(5 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting until %s", what)
		}
	}
}

// Changes come by the watch, a burst of them decoded once; a watch that brings nothing for
// IdleTimeout is given up, and the follower lists again.
func TestWatchTransport(t *testing.T) {
	a := startWatchAgent(t)
	f, err := newFollower(t, &agent{Server: a.Server}, func(cfg *Config[state]) {
		cfg.Interval = time.Hour
		cfg.IdleTimeout = time.Hour
	})
	if err != nil {
		t.Fatal(err)
	}
	startFollowing(t, f)
	items, name := a.stream(t), a.stream(t)
	waitFor(t, "the listed state", func() bool { _, c := f.counts(); return c == 1 })
	items <- `{"type":"MODIFIED","object":{"items":["a","b"]}}` + "\n"
	waitFor(t, "the first change", func() bool { return len(f.State().Items) == 2 })
	name <- `{"type":"MODIFIED","object":"two"}` + "\n" + `{"type":"MODIFIED","object":"three"}` + "\n" +
		`{"type":"BOOKMARK","object":{"metadata":{"resourceVersion":"9"}}}` + "\n" + `{"type":"MODIFIED","object":"four"}` + "\n"
	waitFor(t, "the burst", func() bool { return f.State().Name == "four" })
	if d, c := f.counts(); d != 3 || c != 3 {
		t.Errorf("%d decodes and %d changes, want 3 and 3: a burst is decoded once", d, c)
	}
	if n := a.lists.Load(); n != 2 {
		t.Errorf("%d lists, want one a path", n)
	}
}

// A watch silent for IdleTimeout, not even a bookmark, is taken for broken: the follower
// lists again, and watches again.
func TestSilentWatchIsGivenUp(t *testing.T) {
	a := startWatchAgent(t)
	f, err := newFollower(t, &agent{Server: a.Server}, func(cfg *Config[state]) {
		cfg.Interval = 10 * time.Millisecond
		cfg.IdleTimeout = 50 * time.Millisecond
	})
	if err != nil {
		t.Fatal(err)
	}
	startFollowing(t, f)
	for range 2 {
		a.stream(t)
		a.stream(t)
	}
	if n := a.lists.Load(); n < 4 {
		t.Errorf("%d lists for two rounds of watches", n)
	}
}
