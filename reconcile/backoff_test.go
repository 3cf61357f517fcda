package reconcile

import (
	"errors"
	"testing"
	"time"
)

func TestBackoff(t *testing.T) {
	b := newBackoff(time.Second, 8*time.Second, 10*time.Second)
	now := t0
	if ok, _ := b.ready("p", now); !ok {
		t.Fatal("a pod never started must start at once")
	}
	// Starts that keep failing wait 1, 2, 4, 8, 8 seconds.
	for i, want := range []time.Duration{time.Second, 2 * time.Second, 4 * time.Second, 8 * time.Second, 8 * time.Second} {
		b.started("p", now, errors.New("job failed"))
		ok, at := b.ready("p", now.Add(want-time.Millisecond))
		if ok || !at.Equal(now.Add(want)) {
			t.Fatalf("after start %d: ready=%v at %v, want a wait of %v", i+1, ok, at.Sub(now), want)
		}
		if ok, _ := b.ready("p", now.Add(want)); !ok {
			t.Fatalf("after start %d: not ready after %v", i+1, want)
		}
		now = now.Add(want)
	}
	if got := b.lastError("p"); got != "job failed" {
		t.Errorf("lastError = %q", got)
	}
	// Up, but not for long enough: the count stays.
	b.started("p", now, nil)
	b.up("p", now.Add(9*time.Second))
	if ok, _ := b.ready("p", now.Add(time.Second)); ok {
		t.Error("a pod up for less than resetAfter kept no back-off")
	}
	if got := b.lastError("p"); got != "" {
		t.Errorf("lastError after a good start = %q", got)
	}
	// Up for long enough: starts at once again.
	b.up("p", now.Add(10*time.Second))
	if ok, _ := b.ready("p", now.Add(10*time.Second)); !ok {
		t.Error("a pod up for resetAfter still backs off")
	}
	b.started("q", now, nil)
	b.forget("q")
	if ok, _ := b.ready("q", now); !ok {
		t.Error("a forgotten pod still backs off")
	}
}
