package follow

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"log/slog"

	"github.com/podman-swarm/podman-swarm/api"
)

// Poll lists: it asks the agent for every path once and applies a changed answer; it
// returns why the agent's answer could not be taken, and nil when it was (changed or not).
// Answers the same as the last ones, byte for byte, are not decoded again. Start calls it
// before each watch; it is not for calling at the same time as Start.
func (f *Follower[T]) Poll(ctx context.Context) error {
	pctx := ctx
	if f.cfg.PollTimeout > 0 {
		var cancel context.CancelFunc
		pctx, cancel = context.WithTimeout(ctx, f.cfg.PollTimeout)
		defer cancel()
	}
	raw, err := f.cfg.Client.GetAnswers(pctx, f.cfg.Paths...)
	return f.take(ctx, raw, err)
}

// take applies the agent's answers (or its failure to give them) to the state. A failure
// keeps the state as it is; it is logged when the agent stops answering and again when it
// comes back, but not when ctx has ended (that is a stop, not the agent).
func (f *Follower[T]) take(ctx context.Context, raw api.Answers, err error) error {
	unchanged := err == nil && raw.Same(f.lastRaw)
	var st T
	if err == nil && !unchanged {
		st, err = f.cfg.Decode(raw)
	}
	if err != nil {
		if !f.failing && ctx.Err() == nil {
			f.cfg.Messages.Down.log(f.log, slog.LevelWarn, defaultMessages.Down, "err", err)
		}
		f.failing = ctx.Err() == nil
		return err
	}
	if f.failing {
		f.cfg.Messages.Up.log(f.log, slog.LevelInfo, defaultMessages.Up)
		f.failing = false
	}
	if unchanged {
		return nil
	}
	f.lastRaw = raw
	data, err := encode(st)
	if err != nil {
		f.log.Error("encode state", "err", err)
		return err
	}
	if bytes.Equal(data, f.encoded) {
		return nil // other bytes, the same state (the agent's field order, say)
	}
	old := f.State()
	f.current.Store(&st)
	f.encoded = data
	if f.cfg.OnChange != nil {
		f.cfg.OnChange(old, st)
	}
	if f.cfg.StateFile != "" {
		if err := saveState(f.cfg.StateFile, data); err != nil {
			f.cfg.Messages.SaveFailed.log(f.log, slog.LevelWarn, defaultMessages.SaveFailed, "err", err)
		}
	}
	return nil
}

func encode[T any](st T) ([]byte, error) {
	data, err := json.Marshal(st)
	if err != nil {
		return nil, fmt.Errorf("encode the state: %w", err)
	}
	return data, nil
}
