package cluster

import (
	"bytes"
	"encoding/json"
	"log/slog"
	"net"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// testClock is a Config.Clock that runs with the real clock, shifted by an
// offset the test sets: a node with a wrong clock, which faketime cannot
// play inside one test binary.
type testClock struct {
	offset atomic.Int64
}

func clockOff(d time.Duration) *testClock {
	c := &testClock{}
	c.offset.Store(int64(d))
	return c
}

func (c *testClock) now() time.Time { return time.Now().Add(time.Duration(c.offset.Load())) }

func (c *testClock) shift(d time.Duration) { c.offset.Add(int64(d)) }

// logCapture keeps every record a node logs, as JSON lines.
type logCapture struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (c *logCapture) Write(p []byte) (int, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.buf.Write(p)
}

func (c *logCapture) logger() *slog.Logger {
	return slog.New(slog.NewJSONHandler(c, &slog.HandlerOptions{Level: slog.LevelDebug}))
}

// records returns the records whose message contains msg.
func (c *logCapture) records(t *testing.T, msg string) []map[string]any {
	t.Helper()
	c.mu.Lock()
	text := c.buf.String()
	c.mu.Unlock()
	var out []map[string]any
	for line := range strings.Lines(text) {
		var rec map[string]any
		if err := json.Unmarshal([]byte(line), &rec); err != nil {
			t.Fatalf("log line %q: %v", line, err)
		}
		if m, _ := rec["msg"].(string); strings.Contains(m, msg) {
			out = append(out, rec)
		}
	}
	return out
}

// memberOf returns how n sees the member named name.
func memberOf(t *testing.T, n *Node, name string) Member {
	t.Helper()
	for _, m := range n.Members() {
		if m.Name == name {
			return m
		}
	}
	t.Fatalf("%s does not know %s", n.Name(), name)
	return Member{}
}

// portOf is the gossip port of n, to start it again at the same address.
func portOf(t *testing.T, n *Node) int {
	t.Helper()
	_, port, err := net.SplitHostPort(n.Addr())
	if err != nil {
		t.Fatal(err)
	}
	p, err := strconv.Atoi(port)
	if err != nil {
		t.Fatal(err)
	}
	return p
}
