package cluster

import (
	"sync"
	"testing"
)

func TestLamportClock(t *testing.T) {
	var c lamportClock
	if got := c.Time(); got != 0 {
		t.Fatalf("new clock = %d, want 0", got)
	}
	if got := c.Increment(); got != 1 {
		t.Fatalf("Increment = %d, want 1", got)
	}
	c.Witness(0) // older than now: no change
	if got := c.Time(); got != 1 {
		t.Fatalf("after witnessing 0: %d, want 1", got)
	}
	c.Witness(41)
	if got := c.Time(); got != 42 {
		t.Fatalf("after witnessing 41: %d, want 42", got)
	}
	if got := c.Increment(); got != 43 {
		t.Fatalf("Increment after witness = %d, want 43", got)
	}
}

func TestLamportClockConcurrent(t *testing.T) {
	var c lamportClock
	var wg sync.WaitGroup
	for i := range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for j := range 1000 {
				c.Increment()
				c.Witness(uint64(i*1000 + j))
			}
		}()
	}
	wg.Wait()
	if got := c.Time(); got < 8000 {
		t.Fatalf("clock went backwards or lost ticks: %d < 8000", got)
	}
}
