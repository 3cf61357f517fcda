package debounce

import (
	"context"
	"testing"
	"time"
)

func TestSettleSwallowsTheBurst(t *testing.T) {
	ch := make(chan int, 10)
	for i := range 5 {
		ch <- i
	}
	if !Settle(context.Background(), ch, 20*time.Millisecond) {
		t.Fatal("Settle reported a cancelled context")
	}
	if len(ch) != 0 {
		t.Fatalf("%d triggers left after settling, want 0", len(ch))
	}
}

func TestSettleEndsWithItsContext(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if Settle(ctx, make(chan int), time.Hour) {
		t.Fatal("Settle reported true after its context ended")
	}
}

func TestSettleReturnsWhenTheChannelCloses(t *testing.T) {
	ch := make(chan int)
	close(ch)
	if !Settle(context.Background(), ch, time.Hour) {
		t.Fatal("Settle reported false for a closed channel")
	}
}
