package schedule

import (
	"context"
	"encoding/json"
	"errors"
	"log/slog"
	"reflect"
	"sync"
	"testing"
	"time"

	"github.com/podman-swarm/podman-swarm/agent/quorum"
	"github.com/podman-swarm/podman-swarm/agent/store"
	"github.com/podman-swarm/podman-swarm/cluster"
)

func TestCameBack(t *testing.T) {
	members := []cluster.Member{{Name: "a", State: cluster.StateAlive}, {Name: "b", State: cluster.StateAlive}, {Name: "c", State: cluster.StateDead}}
	now, back := cameBack(map[string]bool{"a": true, "b": true}, members)
	if back || !reflect.DeepEqual(now, map[string]bool{"a": true, "b": true}) {
		t.Fatalf("nobody came back: %v, %v", now, back)
	}
	members[2].State = cluster.StateAlive
	if _, back := cameBack(now, members); !back {
		t.Fatal("c, dead at the last look, is alive and did not come back")
	}
	// A member that died is no reason to catch up: the quorum counts it out.
	if _, back := cameBack(map[string]bool{"a": true, "b": true, "c": true, "d": true}, members); back {
		t.Fatal("a member gone counts as come back")
	}
	if _, back := cameBack(nil, members); !back {
		t.Fatal("the first look finds nobody come back")
	}
}

func TestCatchUpTargets(t *testing.T) {
	members := []cluster.Member{
		{Name: "self", State: cluster.StateAlive}, {Name: "quiet", State: cluster.StateAlive},
		{Name: "talks", State: cluster.StateAlive}, {Name: "dead", State: cluster.StateDead},
	}
	known := []string{"dead", "forgotten", "quiet", "self", "talks"}
	got := catchUpTargets("self", known, members, map[string]bool{"talks": true, "dead": true})
	if want := []string{"talks"}; !reflect.DeepEqual(got, want) {
		t.Fatalf("targets = %v; want %v", got, want)
	}
}

// peersStore is a leader n1 with peers n2 and n3 whose stores hold what theirs holds: a
// catch-up with a peer copies theirs in, unless the peer is told to fail.
type peersStore struct {
	*planStore
	members []cluster.Member
	theirs  map[string][]byte
	failing map[string]bool
	// mu guards asked and the merge into entries: the loop catches up with its peers all
	// at once.
	mu    sync.Mutex
	asked []string // the peers asked to catch up with, in the order they were asked
}

func (s *peersStore) Members() []cluster.Member { return s.members }

func (s *peersStore) CatchUp(_ context.Context, name string) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.asked = append(s.asked, name)
	if s.failing[name] {
		return errors.New("no answer")
	}
	for k, v := range s.theirs {
		s.entries[k] = v
	}
	return nil
}

func serviceJSON(name string) []byte {
	return []byte(`{"apiVersion":"v1","kind":"Service","metadata":{"name":"` + name + `","namespace":"default"},"spec":{"ports":[{"port":80}]}}`)
}

func clusterIPOf(t *testing.T, s *peersStore, svc string) string {
	t.Helper()
	raw, ok := s.entries[store.ServiceAllocationKey("default/"+svc)]
	if !ok {
		return ""
	}
	var a store.ServiceAllocation
	if err := json.Unmarshal(raw, &a); err != nil {
		t.Fatal(err)
	}
	return a.ClusterIP
}

// allocatesWithoutAsking applies a Service api and checks that the next plan gives it a
// ClusterIP of its own without asking any peer to catch up; it returns how many were
// asked so far.
func allocatesWithoutAsking(t *testing.T, s *peersStore, l *Loop) int {
	t.Helper()
	asked := len(s.asked)
	s.entries[store.PrefixService+"default/api"] = serviceJSON("api")
	l.scheduleOnce(t.Context())
	if ip := clusterIPOf(t, s, "api"); ip == "" || ip == "10.43.7.7" {
		t.Fatalf("api has ClusterIP %q", ip)
	}
	if len(s.asked) != asked {
		t.Fatalf("asked %v again, caught up already", s.asked[asked:])
	}
	return asked
}

// leaderOfThree is the loop of n1, leading n1, n2 and n3 with entries in its store, whose
// peers hold web's allocation (10.43.7.7) and do not answer a catch-up until told.
func leaderOfThree(t *testing.T, entries map[string][]byte) (*peersStore, *Loop) {
	alive := func(name string) cluster.Member {
		return cluster.Member{Name: name, State: cluster.StateAlive, Since: time.Unix(0, 0)}
	}
	s := &peersStore{
		planStore: &planStore{leader: true, entries: entries},
		members:   []cluster.Member{alive("n1"), alive("n2"), alive("n3")},
		theirs: map[string][]byte{
			store.ServiceAllocationKey("default/web"): store.MustJSON(store.ServiceAllocation{ClusterIP: "10.43.7.7"}),
		},
		failing: map[string]bool{"n2": true, "n3": true},
	}
	quiet := slog.New(slog.DiscardHandler)
	return s, New(s, time.Minute, 100*time.Millisecond, quorum.OpenRoster(t.TempDir(), quiet), nil, quiet)
}

// A leader that has not caught up with a majority since it started leading writes
// nothing, not even an allocation for a Service its store shows unallocated: the others
// may have allocated it meanwhile. Once caught up with one peer of two, it plans from what
// that peer held, and after that it plans without catching up again until a member comes
// back.
func TestLoopCatchesUpBeforeWriting(t *testing.T) {
	s, l := leaderOfThree(t, map[string][]byte{store.PrefixService + "default/web": serviceJSON("web")})

	l.scheduleOnce(t.Context())
	if ip := clusterIPOf(t, s, "web"); ip != "" {
		t.Fatalf("web allocated %s by a leader caught up with nobody", ip)
	}
	if len(s.asked) != 2 {
		t.Fatalf("asked %v to catch up; want n2 and n3", s.asked)
	}

	s.failing["n2"] = false
	l.scheduleOnce(t.Context())
	if ip := clusterIPOf(t, s, "web"); ip != "10.43.7.7" {
		t.Fatalf("web has ClusterIP %q; n2 held 10.43.7.7", ip)
	}

	// Caught up: a new Service is allocated at once, without asking anyone again.
	asked := allocatesWithoutAsking(t, s, l)

	// n3 dies and comes back: the next plan that writes catches up again first.
	s.members[2].State = cluster.StateDead
	l.scheduleOnce(t.Context())
	s.members[2].State = cluster.StateAlive
	s.entries[store.PrefixService+"default/db"] = serviceJSON("db")
	l.scheduleOnce(t.Context())
	if len(s.asked) == asked {
		t.Fatal("n3 came back and nobody was asked to catch up with")
	}
	if ip := clusterIPOf(t, s, "db"); ip == "" {
		t.Fatal("db is not allocated once caught up")
	}
}

// A leader that may be behind catches up even when it has nothing to write, so that the
// next plan that writes goes out at once; until a majority answered, it tries again.
func TestLoopCatchesUpWithNothingToWrite(t *testing.T) {
	s, l := leaderOfThree(t, map[string][]byte{})

	l.scheduleOnce(t.Context())
	if len(s.asked) != 2 || !l.behind || l.settled {
		t.Fatalf("asked %v, behind %v, settled %v: want n2 and n3 asked, still behind", s.asked, l.behind, l.settled)
	}
	s.failing["n2"] = false
	l.scheduleOnce(t.Context())
	if l.behind || !l.settled {
		t.Fatalf("behind %v, settled %v once n2 answered whole", l.behind, l.settled)
	}
	// Caught up beforehand: a new Service is allocated without asking anyone.
	allocatesWithoutAsking(t, s, l)
}
