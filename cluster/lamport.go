package cluster

import "sync/atomic"

// lamportClock orders the writes of the whole cluster without synchronised
// wall clocks. A node ticks it for each write of its own and witnesses the
// time of every entry it receives, so a write made after seeing another
// always carries a later time.
type lamportClock struct {
	counter atomic.Uint64
}

// Time returns the current value without advancing it.
func (c *lamportClock) Time() uint64 {
	return c.counter.Load()
}

// Increment advances the clock and returns the new time for a local write.
func (c *lamportClock) Increment() uint64 {
	return c.counter.Add(1)
}

// Witness moves the clock past a time seen in a message, so that the next
// local write is ordered after it.
func (c *lamportClock) Witness(t uint64) {
	for {
		cur := c.counter.Load()
		if t < cur {
			return
		}
		if c.counter.CompareAndSwap(cur, t+1) {
			return
		}
	}
}
