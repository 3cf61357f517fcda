package reconcile

import (
	"bytes"
	"fmt"
	"io"
	"strings"
	"time"
)

// logLines turns journalctl's JSON entries into what the container printed, as they
// come. Podman's journald driver keeps a line's newline in its MESSAGE, and sends a line
// longer than conmon's buffer in parts without one, each marked
// CONTAINER_PARTIAL_MESSAGE=true: the parts are joined, and a whole line gets its one
// newline (the journal's plain output would add a second, an empty line after each).
// With timestamps, each line starts with the time of its first part, RFC 3339 with
// nanoseconds, as kubectl logs --timestamps prints it. An entry that does not decode is
// passed on as it is rather than lost.
type logLines struct {
	w          io.Writer
	timestamps bool
	pending    []byte // an entry not yet ended by a newline
	midLine    bool   // the last message written was part of a line still going on
}

func (l *logLines) Write(p []byte) (int, error) {
	l.pending = append(l.pending, p...)
	for {
		i := bytes.IndexByte(l.pending, '\n')
		if i < 0 {
			return len(p), nil
		}
		if err := l.entry(l.pending[:i]); err != nil {
			return 0, err
		}
		l.pending = l.pending[i+1:]
	}
}

// flush writes an entry that had no newline, and ends a line left open.
func (l *logLines) flush() error {
	if len(l.pending) > 0 {
		err := l.entry(l.pending)
		l.pending = nil
		if err != nil {
			return err
		}
	}
	if l.midLine {
		l.midLine = false
		return l.write("\n")
	}
	return nil
}

func (l *logLines) entry(line []byte) error {
	msg, at, partial, err := decodeEntry(line)
	if err != nil {
		msg, partial = string(line), false
	}
	var b strings.Builder
	if l.timestamps && !l.midLine && err == nil {
		b.WriteString(at.Format(time.RFC3339Nano) + " ")
	}
	b.WriteString(msg)
	l.midLine = partial
	if !partial && !strings.HasSuffix(msg, "\n") {
		b.WriteByte('\n')
	}
	return l.write(b.String())
}

func (l *logLines) write(s string) error {
	if _, err := io.WriteString(l.w, s); err != nil {
		return fmt.Errorf("write a log line: %w", err)
	}
	return nil
}
