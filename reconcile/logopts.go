package reconcile

import (
	"encoding/json"
	"fmt"
	"strconv"
	"time"
)

// LogOptions choose what Logs writes, as kubectl's logs flags do.
type LogOptions struct {
	// Follow keeps writing new lines until the context ends.
	Follow bool
	// Tail: the last *Tail lines only (before following); nil: every line.
	Tail *int
	// Since: the lines written at or after it only; zero: every line.
	Since time.Time
	// Timestamps starts each line with the time it was written, RFC 3339 with
	// nanoseconds, as kubectl logs --timestamps does.
	Timestamps bool
}

// logArgs are journalctl's arguments for what a container printed under opts: its
// messages carry CONTAINER_NAME (the unit's other messages, systemd's and podman's, do
// not). The journal is read as JSON, for each message's time and for whether it ends a
// line (see logLines).
func logArgs(container string, opts LogOptions) []string {
	args := []string{"--user", "--output", "json", "--no-pager", "--quiet"}
	switch {
	case opts.Tail != nil:
		args = append(args, "--lines", strconv.Itoa(max(*opts.Tail, 0)))
	case opts.Follow:
		args = append(args, "--lines", "all")
	}
	if opts.Follow {
		args = append(args, "--follow")
	}
	if !opts.Since.IsZero() {
		// "@" and seconds since the epoch: a time journalctl reads whatever the locale.
		args = append(args, "--since", "@"+strconv.FormatInt(opts.Since.Unix(), 10))
	}
	return append(args, "CONTAINER_NAME="+container)
}

// journalEntry is what a line of journalctl --output json holds that logs show.
type journalEntry struct {
	Message  json.RawMessage `json:"MESSAGE"`
	Realtime string          `json:"__REALTIME_TIMESTAMP"` // microseconds since the epoch
	Partial  string          `json:"CONTAINER_PARTIAL_MESSAGE"`
}

// decodeEntry reads one line of journalctl --output json: the message, its time, and
// whether it is the first part of a longer line.
func decodeEntry(line []byte) (msg string, at time.Time, partial bool, err error) {
	var e journalEntry
	if err := json.Unmarshal(line, &e); err != nil {
		return "", time.Time{}, false, fmt.Errorf("decode a journal entry: %w", err)
	}
	us, err := strconv.ParseInt(e.Realtime, 10, 64)
	if err != nil {
		return "", time.Time{}, false, fmt.Errorf("decode a journal entry's time %q: %w", e.Realtime, err)
	}
	msg, err = journalMessage(e.Message)
	if err != nil {
		return "", time.Time{}, false, err
	}
	return msg, time.UnixMicro(us).UTC(), e.Partial == "true", nil
}

// journalMessage reads a MESSAGE field: a string, or an array of bytes when the message
// is not valid UTF-8 text.
func journalMessage(raw json.RawMessage) (string, error) {
	var s string
	if err := json.Unmarshal(raw, &s); err == nil {
		return s, nil
	}
	var b []byte
	var ints []int
	if err := json.Unmarshal(raw, &ints); err != nil {
		return "", fmt.Errorf("decode a journal message: %w", err)
	}
	for _, i := range ints {
		b = append(b, byte(i))
	}
	return string(b), nil
}
