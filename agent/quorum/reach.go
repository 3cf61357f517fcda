package quorum

import (
	"context"
	"sync"
	"time"
)

// Pinger probes one member directly: cluster.Node.Ping.
type Pinger interface {
	Ping(ctx context.Context, name string) error
}

// Reach pings every named member at once and returns those that answered within timeout.
func Reach(ctx context.Context, p Pinger, names []string, timeout time.Duration) map[string]bool {
	return Each(ctx, names, timeout, p.Ping)
}

// Each calls do for every named member at once and returns those for which it succeeded
// within timeout; do is handed a context that ends then.
func Each(ctx context.Context, names []string, timeout time.Duration, do func(ctx context.Context, name string) error) map[string]bool {
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	var mu sync.Mutex
	var wg sync.WaitGroup
	done := make(map[string]bool, len(names))
	for _, name := range names {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if do(ctx, name) == nil {
				mu.Lock()
				done[name] = true
				mu.Unlock()
			}
		}()
	}
	wg.Wait()
	return done
}

// PingTimeout is how long a ping of Reach waits for its answer, from the probe interval:
// half of it, so that a round of pings fits in one interval.
func PingTimeout(probe time.Duration) time.Duration { return probe / 2 }
