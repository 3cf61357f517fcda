package cluster

import (
	"strconv"
	"testing"
	"time"
)

func recv[T any](t *testing.T, ch <-chan T) T {
	t.Helper()
	select {
	case v, ok := <-ch:
		if !ok {
			t.Fatal("channel closed")
		}
		return v
	case <-time.After(5 * time.Second):
		t.Fatal("nothing received within 5s")
	}
	panic("unreachable")
}

func TestHubCoalescesWaitingKeys(t *testing.T) {
	var h hub[string]
	ch, cancel := h.subscribe(func(k string) bool { return k != "skip" }, func(k string) string { return k })
	defer cancel()
	// Nobody reads yet: the sender must not block, and a key already
	// waiting is not queued twice.
	for _, k := range []string{"a", "b", "a", "skip", "a", "c"} {
		h.publish(k)
	}
	// "a" may have left the queue for the channel before the later "a"s
	// arrived, so it can come once more; "b" and "c" come exactly once.
	count := map[string]int{}
	for count["b"] == 0 || count["c"] == 0 || count["a"] == 0 {
		count[recv(t, ch)]++
	}
	select {
	case k := <-ch:
		count[k]++
	case <-time.After(50 * time.Millisecond):
	}
	if count["a"] > 2 || count["b"] != 1 || count["c"] != 1 || len(count) != 3 {
		t.Fatalf("received %v", count)
	}
}

func TestHubKeepsEveryEventInOrder(t *testing.T) {
	var h hub[int]
	ch, cancel := h.subscribe(func(int) bool { return true }, nil)
	defer cancel()
	for i := range 100 {
		h.publish(i)
	}
	for i := range 100 {
		if got := recv(t, ch); got != i {
			t.Fatalf("event %d arrived as %d", i, got)
		}
	}
}

func TestHubCloseEndsSubscriptions(t *testing.T) {
	var h hub[int]
	ch, _ := h.subscribe(func(int) bool { return true }, nil)
	h.publish(1)
	h.close()
	for range ch { // drains at most the one event, then must end
	}
	late, _ := h.subscribe(func(int) bool { return true }, nil)
	if _, ok := <-late; ok {
		t.Fatal("a subscription after close got a value")
	}
}

// A batch subscriber gets what waits in one receive: a burst published twice while it
// does not read arrives in at most two batches, every key of it, none twice within a
// batch, and the keys it skips never. The feed may take the first batch at any point of
// the two passes, and the keys of the second pass that come after that point are queued
// again (they stopped waiting when the batch left the queue): so two batches, and a key
// may come in both.
func TestHubBatchesWhatWaits(t *testing.T) {
	var h hub[string]
	ch, cancel := h.subscribeBatches(func(k string) bool { return k != "skip" }, func(k string) string { return k })
	defer cancel()
	keys := []string{"skip"}
	for i := range 500 {
		keys = append(keys, "k"+strconv.Itoa(i))
	}
	for range 2 {
		for _, k := range keys {
			h.publish(k)
		}
	}
	seen := map[string]int{}
	batches := 0
	for {
		var batch []string
		if batches == 0 {
			batch = recv(t, ch)
		} else {
			select {
			case batch = <-ch:
			case <-time.After(100 * time.Millisecond):
			}
		}
		if batch == nil {
			break
		}
		batches++
		inBatch := map[string]bool{}
		for _, k := range batch {
			if inBatch[k] || k == "skip" {
				t.Fatalf("batch %d holds %q twice or a skipped key: %v", batches, k, batch)
			}
			inBatch[k] = true
			seen[k]++
		}
	}
	if batches > 2 {
		t.Fatalf("%d batches for one burst published twice, want at most 2", batches)
	}
	if len(seen) != len(keys)-1 {
		t.Fatalf("%d keys of %d arrived", len(seen), len(keys)-1)
	}
}
