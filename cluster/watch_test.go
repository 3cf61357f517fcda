package cluster

import (
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
