package ingress

import (
	"testing"
	"time"
)

func TestBalancerDownMarkExpires(t *testing.T) {
	now := time.Unix(1000, 0)
	b := newBalancer(5 * time.Second)
	b.now = func() time.Time { return now }
	targets := []target{{addr: "a"}, {addr: "b"}}
	b.markDown("a")
	for range 3 {
		if got, _ := b.pick("k", targets, nil); got.addr != "b" {
			t.Fatalf("picked %q while a is down", got.addr)
		}
	}
	if _, ok := b.pick("k", targets, map[string]bool{"b": true}); ok {
		t.Errorf("picked an endpoint though a is down and b was tried")
	}
	now = now.Add(5 * time.Second)
	seen := map[string]bool{}
	for range 2 {
		got, _ := b.pick("k", targets, nil)
		seen[got.addr] = true
	}
	if !seen["a"] || !seen["b"] {
		t.Errorf("after the down mark expired, round-robin over both: %v", seen)
	}
}
