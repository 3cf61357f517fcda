package ingress

import (
	"slices"
	"sync"
	"time"
)

// balancer picks endpoints round-robin per backend, prefers this node's endpoints, and
// skips the endpoints that recently refused a connection.
type balancer struct {
	downFor time.Duration
	now     func() time.Time

	mu   sync.Mutex
	next map[string]uint64    // by backend
	down map[string]time.Time // by endpoint address: until when it is skipped
}

func newBalancer(downFor time.Duration) *balancer {
	return &balancer{downFor: downFor, now: time.Now, next: map[string]uint64{}, down: map[string]time.Time{}}
}

// pick chooses among targets, leaving out those tried and those marked down. When any
// usable target is on this node, only local ones are chosen: traffic then stays on the node.
// It runs for every request, so it counts instead of collecting the usable targets.
func (b *balancer) pick(key string, targets []target, tried []string) (target, bool) {
	b.mu.Lock()
	defer b.mu.Unlock()
	now := b.now()
	usable, local := 0, 0
	for _, t := range targets {
		if b.usable(t, tried, now) {
			usable++
			if t.local {
				local++
			}
		}
	}
	onlyLocal := local > 0
	if onlyLocal {
		usable = local
	}
	if usable == 0 {
		return target{}, false
	}
	i := b.next[key]
	b.next[key] = i + 1
	n := int(i % uint64(usable))
	for _, t := range targets {
		if (!onlyLocal || t.local) && b.usable(t, tried, now) {
			if n == 0 {
				return t, true
			}
			n--
		}
	}
	return target{}, false // not reached: the same targets were counted
}

// usable: t was not tried and is not marked down (a mark that ran out is forgotten).
func (b *balancer) usable(t target, tried []string, now time.Time) bool {
	if slices.Contains(tried, t.addr) {
		return false
	}
	if until, ok := b.down[t.addr]; ok {
		if now.Before(until) {
			return false
		}
		delete(b.down, t.addr)
	}
	return true
}

// markDown skips an endpoint for downFor after a connection to it failed.
func (b *balancer) markDown(addr string) {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.down[addr] = b.now().Add(b.downFor)
}
