package reconcile

import (
	"bytes"
	"fmt"
	"io"
)

// timestamper turns journalctl's JSON lines into kubectl's timestamped ones as they come,
// a whole line at a time. A line that does not decode is passed on as it is rather than
// lost.
type timestamper struct {
	w       io.Writer
	partial []byte
}

func (t *timestamper) Write(p []byte) (int, error) {
	t.partial = append(t.partial, p...)
	for {
		i := bytes.IndexByte(t.partial, '\n')
		if i < 0 {
			return len(p), nil
		}
		if err := t.line(t.partial[:i]); err != nil {
			return 0, err
		}
		t.partial = t.partial[i+1:]
	}
}

// flush writes a last line that had no newline.
func (t *timestamper) flush() error {
	if len(t.partial) == 0 {
		return nil
	}
	err := t.line(t.partial)
	t.partial = nil
	return err
}

func (t *timestamper) line(b []byte) error {
	out, err := timestampedLine(b)
	if err != nil {
		out = string(b)
	}
	if _, err := fmt.Fprintln(t.w, out); err != nil {
		return fmt.Errorf("write a log line: %w", err)
	}
	return nil
}
