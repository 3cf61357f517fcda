package ingress

import (
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
func (b *balancer) pick(key string, targets []target, tried map[string]bool) (target, bool) {
	b.mu.Lock()
	defer b.mu.Unlock()
	now := b.now()
	var usable []target
	local := false
	for _, t := range targets {
		if tried[t.addr] {
			continue
		}
		if until, ok := b.down[t.addr]; ok {
			if now.Before(until) {
				continue
			}
			delete(b.down, t.addr)
		}
		usable = append(usable, t)
		local = local || t.local
	}
	if local {
		n := 0
		for _, t := range usable {
			if t.local {
				usable[n] = t
				n++
			}
		}
		usable = usable[:n]
	}
	if len(usable) == 0 {
		return target{}, false
	}
	i := b.next[key]
	b.next[key] = i + 1
	return usable[i%uint64(len(usable))], true
}

// markDown skips an endpoint for downFor after a connection to it failed.
func (b *balancer) markDown(addr string) {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.down[addr] = b.now().Add(b.downFor)
}
