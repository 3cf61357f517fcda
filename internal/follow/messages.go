package follow

import (
	"context"
	"log/slog"
	"slices"
)

// Messages are what a follower logs, in its companion's words; an empty Text says the
// default.
type Messages struct {
	Down       Message // Warn, once, when the agent stops answering; the error follows
	Up         Message // Info, once, when it answers again
	SaveFailed Message // Warn, when the state file cannot be written; the error follows
}

// Message is one line of the log: its text and the attributes that go with it.
type Message struct {
	Text  string
	Attrs []any // key, value, ...
}

var defaultMessages = Messages{
	Down:       Message{Text: "the agent does not answer; serving the last known state"},
	Up:         Message{Text: "the agent answers again"},
	SaveFailed: Message{Text: "cannot save the last known state; a restart while the agent is down would serve an older one"},
}

// log writes m, or def where m has no text, with more attributes after m's.
func (m Message) log(log *slog.Logger, level slog.Level, def Message, attrs ...any) {
	if m.Text == "" {
		m = def
	}
	log.Log(context.Background(), level, m.Text, slices.Concat(m.Attrs, attrs)...)
}
