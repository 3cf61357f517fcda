package follow_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"path/filepath"
	"reflect"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/podman-swarm/podman-swarm/agent"
	"github.com/podman-swarm/podman-swarm/api"
	"github.com/podman-swarm/podman-swarm/internal/follow"
	"github.com/podman-swarm/podman-swarm/internal/testnet"
)

// state is what these tests follow of an agent: the names of its Services and the hosts
// of its DNS whitelist.
type state struct {
	Services []string `json:"services"`
	Hosts    []string `json:"hosts"`
}

func decode(raw api.Answers) (state, error) {
	var l struct {
		Items []struct {
			Metadata struct{ Namespace, Name string }
		}
	}
	if err := json.Unmarshal(raw[0], &l); err != nil {
		return state{}, fmt.Errorf("decode the services: %w", err)
	}
	st := state{Services: []string{}}
	for _, it := range l.Items {
		st.Services = append(st.Services, it.Metadata.Namespace+"/"+it.Metadata.Name)
	}
	var wl struct{ Hosts []string }
	if err := json.Unmarshal(raw[1], &wl); err != nil {
		return state{}, fmt.Errorf("decode the whitelist: %w", err)
	}
	st.Hosts = wl.Hosts
	return st, nil
}

var followed = []string{"/api/v1/services", "/api/v1/dns/whitelist"}

// startAgent runs an agent that runs no pods, on loopback.
func startAgent(t *testing.T, cfg agent.Config) *agent.Agent {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 15*time.Second)
	defer cancel()
	a, err := agent.Start(ctx, cfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = a.Shutdown(false) })
	return a
}

// proxy stands for the agent at one address while the agent behind it restarts at
// another, and counts the requests: lists, and watches.
type proxy struct {
	*httptest.Server
	target  atomic.Pointer[url.URL]
	lists   atomic.Int32
	watches atomic.Int32
}

func startProxy(t *testing.T) *proxy {
	p := &proxy{}
	p.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Query().Get("watch") == "true" {
			p.watches.Add(1)
		} else {
			p.lists.Add(1)
		}
		rp := httputil.NewSingleHostReverseProxy(p.target.Load())
		rp.FlushInterval = -1
		rp.ErrorLog = nil
		rp.ErrorHandler = func(w http.ResponseWriter, _ *http.Request, err error) {
			http.Error(w, `{"message":"the agent is away"}`, http.StatusBadGateway)
		}
		rp.ServeHTTP(w, r)
	}))
	t.Cleanup(p.Close)
	return p
}

func (p *proxy) point(a *agent.Agent) { p.target.Store(&url.URL{Scheme: "http", Host: a.APIAddr()}) }

func (p *proxy) counts() (lists, watches int32) { return p.lists.Load(), p.watches.Load() }

// call makes a request of the agent with its own token.
func call(t *testing.T, a *agent.Agent, stateDir, method, path, contentType, body string) {
	t.Helper()
	c, err := api.NewClient(api.ClientConfig{Server: a.APIAddr(), TokenFile: filepath.Join(stateDir, api.TokenFile), Timeout: 10 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	if err := c.Do(context.Background(), method, path, nil, contentType, []byte(body), nil); err != nil {
		t.Fatalf("%s %s: %v", method, path, err)
	}
}

func eventually(t *testing.T, what string, cond func() bool) {
	t.Helper()
	for deadline := time.Now().Add(15 * time.Second); !cond(); time.Sleep(10 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting until %s", what)
		}
	}
}

func service(name string) string {
	return fmt.Sprintf("apiVersion: v1\nkind: Service\nmetadata: {name: %s}\nspec: {selector: {app: x}, ports: [{port: 80}]}\n", name)
}

// The follower lists once and then watches: every change reaches it without another
// list, an idle follower sends nothing, and while the agent restarts it keeps the last
// state (saying so once), then lists and watches the agent that came back.
func TestFollowsARestartingAgent(t *testing.T) {
	stateDir := t.TempDir()
	cfg := agent.Config{NodeName: "n0", Bind: testnet.GossipAddr(t), APIListen: "127.0.0.1:0", StateDir: stateDir,
		Runtime: agent.RuntimeNone, Logger: slog.New(slog.DiscardHandler)}
	a := startAgent(t, cfg)
	p := startProxy(t)
	p.point(a)

	client, err := api.NewClient(api.ClientConfig{Server: p.URL, TokenFile: filepath.Join(stateDir, api.TokenFile), Timeout: 5 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	var logs syncBuffer
	var mu sync.Mutex
	var changes []state
	f, err := follow.New(follow.Config[state]{
		Client: client, Paths: followed, Decode: decode,
		OnChange: func(_, cur state) {
			mu.Lock()
			defer mu.Unlock()
			changes = append(changes, cur)
		},
		StateFile: filepath.Join(t.TempDir(), "state.json"),
		// Long enough that only a watch explains a change seen within the test.
		Interval: time.Hour,
		Logger:   slog.New(slog.NewJSONHandler(&logs, nil)),
		Messages: follow.Messages{Down: follow.Message{Text: "agent away"}, Up: follow.Message{Text: "agent back"}},
	})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- f.Start(ctx) }()
	defer func() {
		cancel()
		if err := <-done; err != nil {
			t.Errorf("Start: %v", err)
		}
	}()
	has := func(want state) func() bool {
		return func() bool { return reflect.DeepEqual(f.State(), want) }
	}

	eventually(t, "the follower has the agent's state", has(state{Services: []string{}, Hosts: []string{}}))
	call(t, a, stateDir, "POST", "/api/v1/manifests", "application/yaml", service("one"))
	eventually(t, "the follower sees the Service", has(state{Services: []string{"default/one"}, Hosts: []string{}}))
	call(t, a, stateDir, "PUT", "/api/v1/dns/whitelist", "application/json", `{"enabled":true,"hosts":["example.com"]}`)
	eventually(t, "the follower sees the whitelist", has(state{Services: []string{"default/one"}, Hosts: []string{"example.com"}}))
	call(t, a, stateDir, "DELETE", "/api/v1/manifests/default/one", "", "")
	eventually(t, "the follower sees the Service deleted", has(state{Services: []string{}, Hosts: []string{"example.com"}}))
	if lists, watches := p.counts(); lists != 2 || watches != 2 {
		t.Errorf("%d lists and %d watches, want one of each a path", lists, watches)
	}
	time.Sleep(300 * time.Millisecond)
	if lists, watches := p.counts(); lists != 2 || watches != 2 {
		t.Errorf("idle: %d lists and %d watches, want no more", lists, watches)
	}

	// The agent goes away: the follower keeps the last state.
	last := f.State()
	if err := a.Shutdown(false); err != nil {
		t.Fatal(err)
	}
	eventually(t, "the follower finds the agent away", func() bool { return strings.Contains(logs.String(), "agent away") })
	if !reflect.DeepEqual(f.State(), last) {
		t.Errorf("while the agent is away: %+v, want %+v", f.State(), last)
	}

	// It comes back (at another address, behind the same proxy), with a change made
	// meanwhile; the follower lists again, and watches.
	a = startAgent(t, cfg)
	call(t, a, stateDir, "POST", "/api/v1/manifests", "application/yaml", service("two"))
	p.point(a)
	eventually(t, "the follower sees the agent that came back", has(state{Services: []string{"default/two"}, Hosts: []string{"example.com"}}))
	lists, _ := p.counts()
	call(t, a, stateDir, "POST", "/api/v1/manifests", "application/yaml", service("three"))
	eventually(t, "the follower sees a change after the restart", has(state{Services: []string{"default/three", "default/two"}, Hosts: []string{"example.com"}}))
	if again, _ := p.counts(); again != lists {
		t.Errorf("%d lists after the restart for a change, want none", again-lists)
	}

	var got []string
	for _, l := range logLines(&logs) {
		got = append(got, fmt.Sprint(l["level"], " ", l["msg"]))
	}
	if want := []string{"WARN agent away", "INFO agent back"}; !reflect.DeepEqual(got, want) {
		t.Errorf("log: %q, want %q", got, want)
	}
	mu.Lock()
	defer mu.Unlock()
	if n := len(changes); n != 6 {
		t.Errorf("%d changes, want 6: %+v", n, changes)
	}
}

// syncBuffer is a buffer the follower's goroutine writes its log to while the test reads.
type syncBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

// logLines reads the lines a JSON handler wrote, without their time, and without the
// debug lines.
func logLines(b *syncBuffer) []map[string]any {
	var out []map[string]any
	for _, line := range strings.Split(strings.TrimSpace(b.String()), "\n") {
		var m map[string]any
		if json.Unmarshal([]byte(line), &m) == nil && m["level"] != "DEBUG" {
			delete(m, "time")
			out = append(out, m)
		}
	}
	return out
}
