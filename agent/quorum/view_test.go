package quorum

import (
	"context"
	"errors"
	"reflect"
	"testing"
	"time"

	"github.com/podman-swarm/podman-swarm/cluster"
)

func TestCount(t *testing.T) {
	members := []cluster.Member{
		member("a", cluster.StateAlive, t0), member("b", cluster.StateAlive, t0),
		member("c", cluster.StateAlive, t0), member("d", cluster.StateDead, t0),
	}
	known := []string{"a", "b", "c", "d", "e"}
	// b answers, c does not (cut off, not declared dead yet), d answers but is listed dead
	// (it came back, and the membership has not rejoined it: its store is not merged yet).
	v := Count("a", known, members, map[string]bool{"b": true, "d": true})
	if want := []string{"a", "b"}; !reflect.DeepEqual(v.Alive, want) {
		t.Fatalf("alive = %v; want %v", v.Alive, want)
	}
	if v.Majority() {
		t.Fatal("2 of 5 is a majority")
	}
	if got, want := v.String(), "2 of 5 alive (a, b); not reached: c, d, e"; got != want {
		t.Fatalf("String = %q; want %q", got, want)
	}
	if v := Count("a", known, members, map[string]bool{"b": true, "c": true}); !v.Majority() {
		t.Fatalf("%s is no majority", v)
	}
	// Alone in its cluster, a node is its own majority.
	if v := Count("solo", []string{"solo"}, []cluster.Member{member("solo", cluster.StateAlive, t0)}, nil); !v.Majority() {
		t.Fatalf("a single node has no majority: %s", v)
	}
}

func TestAliveOthers(t *testing.T) {
	members := []cluster.Member{member("a", cluster.StateAlive, t0), member("b", cluster.StateAlive, t0), member("c", cluster.StateDead, t0)}
	if got := AliveOthers("a", members); !reflect.DeepEqual(got, []string{"b"}) {
		t.Fatalf("AliveOthers = %v; want [b]", got)
	}
}

// fakePinger answers for some names, and never for the others until the context ends.
type fakePinger map[string]bool

func (f fakePinger) Ping(ctx context.Context, name string) error {
	if f[name] {
		return nil
	}
	<-ctx.Done()
	return errors.New("no answer")
}

// Reach pings all at once and gives up on those that do not answer within the timeout.
func TestReach(t *testing.T) {
	got := Reach(context.Background(), fakePinger{"a": true, "c": true}, []string{"a", "b", "c", "d"}, 10*time.Millisecond)
	if want := map[string]bool{"a": true, "c": true}; !reflect.DeepEqual(got, want) {
		t.Fatalf("Reach = %v; want %v", got, want)
	}
}
