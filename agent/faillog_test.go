package agent

import (
	"bytes"
	"log/slog"
	"os"
	"sync"
	"testing"
)

// failLogTail bounds what a failed test prints of its agents' logs.
const failLogTail = 256 << 10

// failLogs holds each running test's log, shared by the agents it starts.
var failLogs sync.Map // *testing.T -> *failLog

// failLog is the log of one test's agents, printed only if the test fails, so that a
// failure seen once under load says what the agents did and why.
type failLog struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (l *failLog) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.buf.Len()+len(p) > 2*failLogTail {
		keep := l.buf.Bytes()[l.buf.Len()-failLogTail:]
		l.buf = *bytes.NewBuffer(append([]byte(nil), keep...))
	}
	return l.buf.Write(p)
}

func (l *failLog) tail() []byte {
	l.mu.Lock()
	defer l.mu.Unlock()
	b := l.buf.Bytes()
	if len(b) > failLogTail {
		b = b[len(b)-failLogTail:]
	}
	return append([]byte(nil), b...)
}

// agentLogger is the logger of an agent that t starts: to stderr when AGENT_TEST_LOG is
// set, else into the test's failure log.
func agentLogger(t *testing.T) *slog.Logger {
	if os.Getenv("AGENT_TEST_LOG") != "" {
		return testLogger()
	}
	v, loaded := failLogs.LoadOrStore(t, &failLog{})
	l := v.(*failLog)
	if !loaded {
		t.Cleanup(func() {
			failLogs.Delete(t)
			if t.Failed() {
				t.Logf("the agents' log (its last %d KiB at most):\n%s", failLogTail>>10, l.tail())
			}
		})
	}
	return slog.New(slog.NewTextHandler(l, &slog.HandlerOptions{Level: slog.LevelDebug}))
}
