package follow

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/podman-swarm/podman-swarm/api"
)

// state is the followed state of these tests: the items of /items and the name at /name.
type state struct {
	Items []string `json:"items"`
	Name  string   `json:"name"`
}

// agent serves /items and /name with bodies the test sets, or a status.
type agent struct {
	*httptest.Server
	mu          sync.Mutex
	items, name string
	status      int
}

func startAgent(t *testing.T) *agent {
	a := &agent{items: `{"items":["a"]}`, name: `"one"`, status: http.StatusOK}
	a.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		a.mu.Lock()
		defer a.mu.Unlock()
		if a.status != http.StatusOK {
			http.Error(w, `{"message":"trouble"}`, a.status)
			return
		}
		switch r.URL.Path {
		case "/items":
			w.Write([]byte(a.items))
		case "/name":
			w.Write([]byte(a.name))
		default:
			http.NotFound(w, r)
		}
	}))
	t.Cleanup(a.Close)
	return a
}

func (a *agent) set(items, name string, status int) {
	a.mu.Lock()
	defer a.mu.Unlock()
	a.items, a.name, a.status = items, name, status
}

// follower records its decodes and changes.
type follower struct {
	*Follower[state]
	mu      sync.Mutex
	decodes int
	changes [][2]state
}

func (f *follower) counts() (decodes, changes int) {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.decodes, len(f.changes)
}

func newFollower(t *testing.T, a *agent, edit func(*Config[state])) (*follower, error) {
	t.Helper()
	client, err := api.NewClient(api.ClientConfig{Server: a.URL, Timeout: 5 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	rec := &follower{}
	cfg := Config[state]{
		Client: client,
		Paths:  []string{"/items", "/name"},
		Decode: func(raw api.Answers) (state, error) {
			rec.mu.Lock()
			rec.decodes++
			rec.mu.Unlock()
			var st state
			if err := json.Unmarshal(raw[0], &st); err != nil {
				return st, fmt.Errorf("decode the items: %w", err)
			}
			if err := json.Unmarshal(raw[1], &st.Name); err != nil {
				return st, fmt.Errorf("decode the name: %w", err)
			}
			return st, nil
		},
		OnChange: func(old, cur state) {
			rec.mu.Lock()
			defer rec.mu.Unlock()
			rec.changes = append(rec.changes, [2]state{old, cur})
		},
	}
	if edit != nil {
		edit(&cfg)
	}
	rec.Follower, err = New(cfg)
	return rec, err
}

func mustFollower(t *testing.T, a *agent, edit func(*Config[state])) *follower {
	t.Helper()
	f, err := newFollower(t, a, edit)
	if err != nil {
		t.Fatal(err)
	}
	return f
}

// Answers the same as the last ones, byte for byte, are not decoded again; other bytes that
// decode to the same state change nothing; a new state is handed over with the old one.
func TestDecodesAndAppliesOnlyChanges(t *testing.T) {
	a := startAgent(t)
	f := mustFollower(t, a, nil)
	ctx := context.Background()
	for range 3 {
		if err := f.Poll(ctx); err != nil {
			t.Fatal(err)
		}
	}
	if d, c := f.counts(); d != 1 || c != 1 {
		t.Errorf("the same answers three times: %d decodes, %d changes; want 1 and 1", d, c)
	}
	if got := f.changes[0]; !reflect.DeepEqual(got, [2]state{{}, {Items: []string{"a"}, Name: "one"}}) {
		t.Errorf("first change: %+v", got)
	}
	a.set(`{ "items": ["a"] }`, `"one"`, http.StatusOK)
	if err := f.Poll(ctx); err != nil {
		t.Fatal(err)
	}
	if d, c := f.counts(); d != 2 || c != 1 {
		t.Errorf("other bytes, the same state: %d decodes, %d changes; want 2 and 1", d, c)
	}
	a.set(`{"items":["a","b"]}`, `"two"`, http.StatusOK)
	if err := f.Poll(ctx); err != nil {
		t.Fatal(err)
	}
	want := [2]state{{Items: []string{"a"}, Name: "one"}, {Items: []string{"a", "b"}, Name: "two"}}
	if d, c := f.counts(); d != 3 || c != 2 || !reflect.DeepEqual(f.changes[1], want) {
		t.Errorf("a change: %d decodes, %d changes (%+v)", d, c, f.changes)
	}
	if !reflect.DeepEqual(f.State(), want[1]) {
		t.Errorf("State() = %+v", f.State())
	}
}

// An agent that fails, or answers what cannot be decoded, leaves the last good state; the
// same undecodable answers are tried again, and taken once they decode.
func TestKeepsTheLastGoodState(t *testing.T) {
	a := startAgent(t)
	f := mustFollower(t, a, nil)
	ctx := context.Background()
	if err := f.Poll(ctx); err != nil {
		t.Fatal(err)
	}
	good := f.State()
	a.set(`{"items":["a"]}`, `"one"`, http.StatusInternalServerError)
	var apiErr *api.ResponseError
	if err := f.Poll(ctx); !errors.As(err, &apiErr) || apiErr.Status != http.StatusInternalServerError {
		t.Errorf("an agent in trouble: %v", err)
	}
	a.set(`{"items":[`, `"one"`, http.StatusOK)
	for range 2 {
		if err := f.Poll(ctx); err == nil || !strings.Contains(err.Error(), "decode the items") {
			t.Errorf("an answer cut short: %v", err)
		}
	}
	if d, _ := f.counts(); d != 3 {
		t.Errorf("%d decodes, want 3: the answer cut short is tried again", d)
	}
	a.Close()
	if err := f.Poll(ctx); err == nil {
		t.Error("an agent gone: no error")
	}
	if _, c := f.counts(); c != 1 || !reflect.DeepEqual(f.State(), good) {
		t.Errorf("after failures: %d changes, state %+v; want the last good one", c, f.State())
	}
}

// logLines reads the lines a JSON handler wrote, without their time.
func logLines(buf *bytes.Buffer) []map[string]any {
	var out []map[string]any
	for _, line := range strings.Split(strings.TrimSpace(buf.String()), "\n") {
		if line == "" {
			continue
		}
		var m map[string]any
		if err := json.Unmarshal([]byte(line), &m); err == nil {
			delete(m, "time")
			out = append(out, m)
		}
	}
	return out
}

// An outage is logged once when it starts and once when it ends, in the companion's words
// with its attributes, or the defaults.
func TestLogsEachOutageOnce(t *testing.T) {
	for _, c := range []struct {
		name     string
		msgs     Messages
		down, up string
		attrs    map[string]any
	}{
		{"defaults", Messages{}, defaultMessages.Down.Text, defaultMessages.Up.Text, nil},
		{"the companion's", Messages{
			Down: Message{Text: "agent gone", Attrs: []any{"agent", "x"}},
			Up:   Message{Text: "agent back", Attrs: []any{"agent", "x"}},
		}, "agent gone", "agent back", map[string]any{"agent": "x"}},
	} {
		t.Run(c.name, func(t *testing.T) {
			a := startAgent(t)
			var buf bytes.Buffer
			f := mustFollower(t, a, func(cfg *Config[state]) {
				cfg.Logger = slog.New(slog.NewJSONHandler(&buf, nil))
				cfg.Messages = c.msgs
			})
			ctx := context.Background()
			for _, status := range []int{200, 500, 500, 500, 200, 200, 503, 200} {
				a.set(`{"items":[]}`, `"n"`, status)
				_ = f.Poll(ctx)
			}
			var got []string
			for _, l := range logLines(&buf) {
				got = append(got, fmt.Sprint(l["level"], " ", l["msg"]))
				for k, v := range c.attrs {
					if l[k] != v {
						t.Errorf("%q: %s = %v, want %v", l["msg"], k, l[k], v)
					}
				}
				if l["level"] == "WARN" && l["err"] == nil {
					t.Errorf("%q without the error", l["msg"])
				}
			}
			want := []string{"WARN " + c.down, "INFO " + c.up, "WARN " + c.down, "INFO " + c.up}
			if !reflect.DeepEqual(got, want) {
				t.Errorf("log:\n got %q\nwant %q", got, want)
			}
		})
	}
}

// A poll cut short by the end of its context is a stop, not an outage: nothing is logged.
func TestStopIsNoOutage(t *testing.T) {
	a := startAgent(t)
	var buf bytes.Buffer
	f := mustFollower(t, a, func(cfg *Config[state]) { cfg.Logger = slog.New(slog.NewJSONHandler(&buf, nil)) })
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if err := f.Poll(ctx); err == nil {
		t.Fatal("a poll with an ended context succeeded")
	}
	if err := f.Poll(context.Background()); err != nil {
		t.Fatal(err)
	}
	if lines := logLines(&buf); len(lines) != 0 {
		t.Errorf("logged %v", lines)
	}
}

// Each change is saved; a new follower starts from the file (normalised), and serves it while
// the agent is down.
func TestStateFile(t *testing.T) {
	a := startAgent(t)
	file := filepath.Join(t.TempDir(), "sub", "state.json")
	upper := func(st state) (state, error) {
		st.Name = strings.ToUpper(st.Name)
		return st, nil
	}
	withFile := func(cfg *Config[state]) { cfg.StateFile, cfg.Normalize = file, upper }
	f := mustFollower(t, a, withFile)
	if f.Restored() {
		t.Error("restored without a file")
	}
	if err := f.Poll(context.Background()); err != nil {
		t.Fatal(err)
	}
	data, err := os.ReadFile(file)
	if err != nil || string(data) != `{"items":["a"],"name":"one"}` {
		t.Fatalf("state file: %s, %v", data, err)
	}
	if info, _ := os.Stat(file); info.Mode().Perm() != 0o600 {
		t.Errorf("state file mode %v", info.Mode())
	}
	a.Close()
	g := mustFollower(t, a, withFile)
	if !g.Restored() || !reflect.DeepEqual(g.State(), state{Items: []string{"a"}, Name: "ONE"}) {
		t.Errorf("restarted: restored %v, state %+v", g.Restored(), g.State())
	}
	_ = g.Poll(context.Background())
	if _, c := g.counts(); c != 0 || g.State().Name != "ONE" {
		t.Errorf("the agent down after a restart: %d changes, state %+v", c, g.State())
	}
}

// A state file that cannot be read, or is no state, stops New with a *StateFileError.
func TestBadStateFile(t *testing.T) {
	a := startAgent(t)
	dir := t.TempDir()
	broken := filepath.Join(dir, "broken.json")
	if err := os.WriteFile(broken, []byte("{not json"), 0o600); err != nil {
		t.Fatal(err)
	}
	refused := filepath.Join(dir, "refused.json")
	if err := os.WriteFile(refused, []byte(`{"name":"x"}`), 0o600); err != nil {
		t.Fatal(err)
	}
	refuse := func(st state) (state, error) { return st, errors.New("no x") }
	for _, c := range []struct {
		file      string
		normalize func(state) (state, error)
		decoding  bool
	}{
		{broken, nil, true},
		{refused, refuse, true},
		{dir, nil, false}, // a folder: it cannot be read
	} {
		_, err := newFollower(t, a, func(cfg *Config[state]) { cfg.StateFile, cfg.Normalize = c.file, c.normalize })
		var sf *StateFileError
		if !errors.As(err, &sf) || sf.Path != c.file || sf.Decoding != c.decoding ||
			!strings.HasPrefix(err.Error(), "read the state file "+c.file+": ") {
			t.Errorf("%s: %v", c.file, err)
		}
	}
}

// A state file that cannot be written is logged, and the change is applied all the same.
func TestSaveFailureIsLogged(t *testing.T) {
	a := startAgent(t)
	blocker := filepath.Join(t.TempDir(), "folder")
	var buf bytes.Buffer
	f := mustFollower(t, a, func(cfg *Config[state]) {
		cfg.StateFile = filepath.Join(blocker, "state.json")
		cfg.Logger = slog.New(slog.NewJSONHandler(&buf, nil))
		cfg.Messages.SaveFailed = Message{Text: "not saved", Attrs: []any{"file", cfg.StateFile}}
	})
	// A file where the state file's folder should be: the folder cannot be made.
	if err := os.WriteFile(blocker, nil, 0o600); err != nil {
		t.Fatal(err)
	}
	if err := f.Poll(context.Background()); err != nil {
		t.Fatal(err)
	}
	lines := logLines(&buf)
	if len(lines) != 1 || lines[0]["msg"] != "not saved" || lines[0]["file"] != filepath.Join(blocker, "state.json") || lines[0]["err"] == nil {
		t.Errorf("log: %v", lines)
	}
	if _, c := f.counts(); c != 1 {
		t.Errorf("%d changes, want 1", c)
	}
}

// Start polls until its context ends, then returns nil.
func TestStartFollowsUntilStopped(t *testing.T) {
	a := startAgent(t)
	f := mustFollower(t, a, func(cfg *Config[state]) { cfg.Interval = 10 * time.Millisecond })
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- f.Start(ctx) }()
	waitChanges := func(n int) {
		t.Helper()
		for deadline := time.Now().Add(10 * time.Second); ; time.Sleep(5 * time.Millisecond) {
			if _, c := f.counts(); c >= n {
				return
			}
			if time.Now().After(deadline) {
				t.Fatalf("no change %d", n)
			}
		}
	}
	waitChanges(1)
	a.set(`{"items":["z"]}`, `"later"`, http.StatusOK)
	waitChanges(2)
	cancel()
	if err := <-done; err != nil {
		t.Errorf("Start: %v", err)
	}
}

func TestNewNeedsWhatToFollow(t *testing.T) {
	if _, err := New(Config[state]{}); err == nil {
		t.Error("New without a client, paths or decoder")
	}
}
