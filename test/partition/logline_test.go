package partition

import (
	"bytes"
	"log/slog"
	"strings"
	"testing"
	"time"
)

// The test reads the agents' logs as swarm agent writes them: slog's text format.
func TestParseLogLine(t *testing.T) {
	var buf bytes.Buffer
	log := slog.New(slog.NewTextHandler(&buf, nil)).With("node", "n1")
	log.Warn("fenced: this node has not reached a majority", "members", "2 of 5 alive (n1, n2)")
	log.Info("pod assigned", "pod", "default/web-1", "to", "n3")
	lines := strings.Split(strings.TrimSpace(buf.String()), "\n")
	for i, want := range []string{"fenced: this node has not reached a majority", "pod assigned"} {
		at, msg, ok := parseLogLine(lines[i])
		if !ok || msg != want || time.Since(at) > time.Minute || time.Since(at) < 0 {
			t.Errorf("parseLogLine(%q) = %v, %q, %v; want now, %q", lines[i], at, msg, ok, want)
		}
	}
	if _, _, ok := parseLogLine("not a log line"); ok {
		t.Error("a line that is no log line was read")
	}
}
