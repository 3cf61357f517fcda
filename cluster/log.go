package cluster

import (
	"bytes"
	"context"
	"log"
	"log/slog"
)

// memberlistLog turns memberlist's "[LEVEL] memberlist: text" lines into
// structured records, so the whole node logs through one slog.Logger.
type memberlistLog struct {
	logger *slog.Logger
}

func newMemberlistLogger(logger *slog.Logger) *log.Logger {
	return log.New(memberlistLog{logger: logger.With("component", "memberlist")}, "", 0)
}

var memberlistLevels = []struct {
	tag   string
	level slog.Level
}{
	{"[DEBUG]", slog.LevelDebug},
	{"[INFO]", slog.LevelInfo},
	{"[WARN]", slog.LevelWarn},
	{"[ERR]", slog.LevelError},
	{"[ERROR]", slog.LevelError},
}

func (w memberlistLog) Write(p []byte) (int, error) {
	line := bytes.TrimSpace(p)
	level := slog.LevelInfo
	for _, l := range memberlistLevels {
		if rest, ok := bytes.CutPrefix(line, []byte(l.tag)); ok {
			level, line = l.level, bytes.TrimSpace(rest)
			break
		}
	}
	line = bytes.TrimPrefix(line, []byte("memberlist: "))
	w.logger.Log(context.Background(), level, string(line))
	return len(p), nil
}
