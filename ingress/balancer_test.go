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
	if _, ok := b.pick("k", targets, []string{"b"}); ok {
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

func TestBalancerLocalDown(t *testing.T) {
	b := newBalancer(5 * time.Second)
	targets := []target{{addr: "remote-1"}, {addr: "local", local: true}, {addr: "remote-2"}}
	for range 3 {
		if got, _ := b.pick("k", targets, nil); got.addr != "local" {
			t.Fatalf("picked %q with a usable local endpoint", got.addr)
		}
	}
	b.markDown("local")
	seen := map[string]int{}
	for range 4 {
		got, _ := b.pick("k", targets, nil)
		seen[got.addr]++
	}
	if seen["remote-1"] != 2 || seen["remote-2"] != 2 {
		t.Errorf("local endpoint down: want round-robin over the remote ones, got %v", seen)
	}
}
