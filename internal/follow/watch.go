package follow

import (
	"context"
	"fmt"
	"sync"
	"sync/atomic"
	"time"

	"github.com/podman-swarm/podman-swarm/api"
)

// Start follows the agent until ctx ends: it lists every path (Poll), then watches them
// all and applies each change as it comes. When a watch breaks, or the agent does not
// answer, it waits, twice as long each time up to Interval, and lists again; an agent
// that does not watch is thus listed every Interval. While the agent has nothing to tell,
// nothing runs but the wait for its next event. It implements lifecycle.Runnable and
// returns nil.
func (f *Follower[T]) Start(ctx context.Context) error {
	delay := firstDelay(f.cfg.Interval)
	for {
		if err := f.Poll(ctx); err == nil {
			took, err := f.watch(ctx)
			if ctx.Err() != nil {
				return nil
			}
			f.log.Debug("the watch of the agent ended; listing again", "err", err)
			if took {
				delay = firstDelay(f.cfg.Interval)
			}
		}
		t := time.NewTimer(delay)
		select {
		case <-ctx.Done():
			t.Stop()
			return nil
		case <-t.C:
		}
		delay = min(2*delay, f.cfg.Interval)
	}
}

// firstDelay is the first wait before the agent is listed again: short, since a watch
// breaks when the agent restarts, which takes a moment.
func firstDelay(interval time.Duration) time.Duration {
	return min(100*time.Millisecond, interval)
}

// pathEvent is an event of the watch of one path.
type pathEvent struct {
	path int // index in Config.Paths
	api.WatchEvent
	more bool // more of the stream had come already
}

// watch follows every path from the answers the last list gave, until a watch breaks or
// ctx ends. took says whether every watch got past the events it started with: the agent
// watches, and a later break deserves a prompt list.
func (f *Follower[T]) watch(ctx context.Context) (took bool, err error) {
	answers := make([]*answer, len(f.cfg.Paths))
	for i, p := range f.cfg.Paths {
		if answers[i], err = newAnswer(p, f.lastRaw[i]); err != nil {
			return false, err
		}
	}
	var wg sync.WaitGroup
	defer wg.Wait()
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	events := make(chan pathEvent, 64)
	broken := make(chan error, len(answers))
	for i, a := range answers {
		s, err := f.cfg.Client.Watch(ctx, a.path, a.query())
		if err != nil {
			return false, fmt.Errorf("watch %s: %w", a.path, err)
		}
		wg.Go(func() { f.read(ctx, i, s, events, broken) })
	}
	started, dirty := 0, false
	for {
		select {
		case <-ctx.Done():
			return took, ctx.Err()
		case err := <-broken:
			return took, err
		case ev := <-events:
			a := answers[ev.path]
			was := a.started
			changed, err := a.apply(ev.WatchEvent)
			if err != nil {
				return took, err
			}
			if a.started && !was {
				started++
				took = started == len(answers)
			}
			// A burst is applied once, when its last event is in.
			if dirty = dirty || changed; dirty && !ev.more && len(events) == 0 {
				raw := make(api.Answers, len(answers))
				for i, a := range answers {
					raw[i] = a.answer()
				}
				_ = f.take(ctx, raw, nil) // a failure is logged, and the state kept
				dirty = false
			}
		}
	}
}

// read hands the events of one watch to events until it breaks, which it tells broken
// (once), or ctx ends. A watch that brings nothing, not even a bookmark, for IdleTimeout
// is taken for broken: the agent, or the way to it, is gone without a word.
func (f *Follower[T]) read(ctx context.Context, path int, s *api.WatchStream, events chan<- pathEvent, broken chan<- error) {
	defer s.Close()
	var idle atomic.Bool
	timer := time.AfterFunc(f.cfg.IdleTimeout, func() {
		idle.Store(true)
		s.Close()
	})
	defer timer.Stop()
	for {
		ev, err := s.Next()
		if err != nil {
			if idle.Load() {
				err = fmt.Errorf("nothing came for %s", f.cfg.IdleTimeout)
			}
			broken <- fmt.Errorf("watch %s: %w", f.cfg.Paths[path], err)
			return
		}
		timer.Reset(f.cfg.IdleTimeout)
		select {
		case events <- pathEvent{path: path, WatchEvent: ev, more: s.Buffered()}:
		case <-ctx.Done():
			return
		}
	}
}
