package agent

import (
	"context"
	"log/slog"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"
)

// logBook keeps every log record of the agents of a test, with the attributes they carry,
// so that a test can tell what each node decided and when.
type logBook struct {
	mu      sync.Mutex
	records []loggedRecord
}

type loggedRecord struct {
	Time    time.Time
	Message string
	Attrs   map[string]string
}

// logger is an agent's Config.Logger that writes into the book (and, with AGENT_TEST_LOG,
// to standard error as well).
func (b *logBook) logger(node string) *slog.Logger {
	return slog.New(&bookHandler{book: b, next: testLogger().Handler()}).With("test-node", node)
}

// find lists the records whose message starts with prefix and whose attributes hold all of
// attrs (key, value, key, value...).
func (b *logBook) find(prefix string, attrs ...string) []loggedRecord {
	b.mu.Lock()
	defer b.mu.Unlock()
	var out []loggedRecord
	for _, r := range b.records {
		if !strings.HasPrefix(r.Message, prefix) {
			continue
		}
		match := true
		for i := 0; i+1 < len(attrs); i += 2 {
			match = match && r.Attrs[attrs[i]] == attrs[i+1]
		}
		if match {
			out = append(out, r)
		}
	}
	return out
}

type bookHandler struct {
	book  *logBook
	attrs []slog.Attr
	next  slog.Handler
}

func (h *bookHandler) Enabled(context.Context, slog.Level) bool { return true }

func (h *bookHandler) Handle(ctx context.Context, r slog.Record) error {
	rec := loggedRecord{Time: r.Time, Message: r.Message, Attrs: map[string]string{}}
	for _, a := range h.attrs {
		rec.Attrs[a.Key] = a.Value.String()
	}
	r.Attrs(func(a slog.Attr) bool {
		rec.Attrs[a.Key] = a.Value.String()
		return true
	})
	h.book.mu.Lock()
	h.book.records = append(h.book.records, rec)
	h.book.mu.Unlock()
	if h.next.Enabled(ctx, r.Level) {
		return h.next.Handle(ctx, r)
	}
	return nil
}

func (h *bookHandler) WithAttrs(attrs []slog.Attr) slog.Handler {
	return &bookHandler{book: h.book, attrs: append(slices.Clone(h.attrs), attrs...), next: h.next.WithAttrs(attrs)}
}

func (h *bookHandler) WithGroup(name string) slog.Handler {
	return &bookHandler{book: h.book, attrs: h.attrs, next: h.next.WithGroup(name)}
}

// dump logs what the nodes decided since a moment: membership, leadership, scheduling and
// fencing, for a test that failed to show how it came about.
func (b *logBook) dump(t *testing.T, since time.Time) {
	t.Helper()
	b.mu.Lock()
	defer b.mu.Unlock()
	for _, r := range b.records {
		if r.Time.Before(since) || r.Attrs["event"] == "updated" {
			continue
		}
		for _, word := range []string{"pod ", "member changed", "leader", "fence", "schedul"} {
			if strings.Contains(r.Message, word) {
				t.Logf("+%s %s: %s %v", r.Time.Sub(since).Round(time.Millisecond), r.Attrs["test-node"], r.Message, r.Attrs)
				break
			}
		}
	}
}
