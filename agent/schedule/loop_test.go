package schedule

import (
	"context"
	"testing"

	"github.com/podman-swarm/podman-swarm/cluster"
)

// Store changes and membership events become one pending trigger: the loop rereads the
// whole state, so a trigger that arrives while one waits adds nothing. The relay ends when
// both sources close.
func TestRelayGathersTriggersIntoOne(t *testing.T) {
	keys := make(chan string)
	events := make(chan cluster.MemberEvent)
	out := make(chan struct{}, 1)
	done := make(chan struct{})
	go func() {
		defer close(done)
		relay(context.Background(), out, keys, events)
	}()
	for range 3 {
		keys <- "deployment/default/web"
		events <- cluster.MemberEvent{}
	}
	close(keys)
	close(events)
	<-done
	if len(out) != 1 {
		t.Fatalf("%d triggers pending, want 1", len(out))
	}
}

func TestRelayEndsWithItsContext(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	relay(ctx, make(chan struct{}, 1), make(chan string), make(chan cluster.MemberEvent)) // returns
}
