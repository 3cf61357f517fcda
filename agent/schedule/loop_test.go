package schedule

import (
	"context"
	"reflect"
	"testing"
	"time"

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

// pingLog answers every ping, and records whom.
type pingLog struct {
	*planStore
	pinged []string
}

func (p *pingLog) Ping(_ context.Context, name string) error {
	p.pinged = append(p.pinged, name)
	return nil
}

// The round made again after a catch-up pings only the members the first round did not,
// and keeps the first round's answers, those that did not answer included.
func TestReachPingsOnlyThoseNotPinged(t *testing.T) {
	p := &pingLog{planStore: &planStore{}}
	l := &Loop{node: p, probe: time.Second}
	got := l.reach(t.Context(), []string{"a", "b", "c"}, map[string]bool{"a": true, "b": false})
	if want := map[string]bool{"a": true, "b": false, "c": true}; !reflect.DeepEqual(got, want) {
		t.Fatalf("reach = %v; want %v", got, want)
	}
	if !reflect.DeepEqual(p.pinged, []string{"c"}) {
		t.Fatalf("pinged %v; want only c", p.pinged)
	}
}
