package schedule

import (
	"context"
	"errors"
	"log/slog"
	"reflect"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/podman-swarm/podman-swarm/agent/quorum"
	"github.com/podman-swarm/podman-swarm/agent/store"
	"github.com/podman-swarm/podman-swarm/cluster"
	"github.com/podman-swarm/podman-swarm/scheduler"
)

func TestPingAheadTargets(t *testing.T) {
	now := time.Unix(1000, 0)
	grace, probe := time.Second, time.Second
	nodes := []scheduler.Node{
		{Name: "alive", State: scheduler.NodeAlive, Since: now.Add(-time.Hour)},
		{Name: "just-died", State: scheduler.NodeAgentDown, Since: now.Add(-300 * time.Millisecond)},
		{Name: "about-lost", State: scheduler.NodeAgentDown, Since: now.Add(-1900 * time.Millisecond)},
		{Name: "agent-away", State: scheduler.NodeAgentDown, Since: now.Add(-10 * time.Minute)},
		{Name: "lost", State: scheduler.NodeDead, Since: now.Add(-2 * time.Second)},
		{Name: "pinged-now", State: scheduler.NodeAgentDown, Since: now.Add(-500 * time.Millisecond)},
		{Name: "pinged-before", State: scheduler.NodeAgentDown, Since: now.Add(-900 * time.Millisecond)},
	}
	silent := map[string]time.Time{"pinged-now": now.Add(-200 * time.Millisecond), "pinged-before": now.Add(-600 * time.Millisecond)}
	got := pingAheadTargets(nodes, silent, now, grace, probe)
	if want := []string{"just-died", "about-lost", "pinged-before"}; !reflect.DeepEqual(got, want) {
		t.Fatalf("targets = %v; want %v", got, want)
	}
}

// lostPeerStore is a leader n1 with peers n2 and n3; the victim answers no ping.
type lostPeerStore struct {
	*planStore
	members []cluster.Member
	victim  string
	mu      sync.Mutex
	pinged  []string
}

func (s *lostPeerStore) Members() []cluster.Member { return s.members }

func (s *lostPeerStore) Ping(_ context.Context, name string) error {
	s.mu.Lock()
	s.pinged = append(s.pinged, name)
	s.mu.Unlock()
	if name == s.victim {
		return errors.New("no answer")
	}
	return nil
}

// holds reports whether the assignment under key places its pod on node.
func (s *lostPeerStore) holds(key, node string) bool {
	return strings.Contains(string(s.entries[key]), `"node":"`+node+`"`)
}

func (s *lostPeerStore) takePings() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := s.pinged
	s.pinged = nil
	slices.Sort(out)
	return out
}

// lostPeerLoop is n1's loop with web's two pods placed, one of them on a peer (the
// victim), which then dies; the loop reads the clock that at points to. It returns the
// key of the victim's pod, and the other peer.
func lostPeerLoop(t *testing.T, at *time.Time) (s *lostPeerStore, l *Loop, victimPod, other string) {
	t.Helper()
	member := func(name string) cluster.Member {
		return cluster.Member{Name: name, State: cluster.StateAlive, Since: time.Unix(0, 0)}
	}
	s = &lostPeerStore{planStore: &planStore{leader: true, entries: map[string][]byte{"deployment/default/web": []byte(twoReplicas)}},
		members: []cluster.Member{member("n1"), member("n2"), member("n3")}}
	quiet := slog.New(slog.DiscardHandler)
	l = New(s, time.Second, time.Second, quorum.OpenRoster(t.TempDir(), quiet), func() time.Time { return *at }, quiet)
	l.behind = false // caught up: no catch-up rounds in the way
	l.scheduleOnce(t.Context())
	for i, peer := range []string{"n2", "n3"} {
		for k := range s.entries {
			if victimPod == "" && strings.HasPrefix(k, store.PrefixAssignment) && s.holds(k, peer) {
				victimPod, s.victim, other = k, peer, []string{"n3", "n2"}[i]
				s.members[i+1] = cluster.Member{Name: peer, State: cluster.StateDead, Since: *at}
			}
		}
	}
	if victimPod == "" {
		t.Fatal("no pod of web placed on n2 or n3")
	}
	s.takePings()
	return s, l, victimPod, other
}

// While a dead member waits for its verdict, the leader pings it ahead; the plan that
// moves its pods once it is lost takes that unanswered ping, and pings only the others.
func TestLoopPingsAheadAMemberAboutToBeLost(t *testing.T) {
	clock := time.Unix(1000, 0)
	s, l, victimPod, other := lostPeerLoop(t, &clock)

	clock = clock.Add(100 * time.Millisecond)
	l.scheduleOnce(t.Context())
	if got := s.takePings(); !reflect.DeepEqual(got, []string{s.victim}) {
		t.Fatalf("pinged %v while %s waits for its verdict; want it, ahead", got, s.victim)
	}
	if !s.holds(victimPod, s.victim) {
		t.Fatal("the dead member's pod moved before it was judged lost")
	}

	clock = clock.Add(time.Second)
	s.entries[store.NodeKey(s.victim)] = store.MustJSON(store.NodeLiveness{Node: s.victim, Status: store.LivenessLost, Since: clock, Leader: "n1"})
	l.scheduleOnce(t.Context())
	if s.holds(victimPod, s.victim) {
		t.Fatal("the dead member's pod did not move once it was lost")
	}
	if got := s.takePings(); !reflect.DeepEqual(got, []string{other}) {
		t.Fatalf("pinged %v to move %s's pod; want %s only, %s was pinged ahead", got, s.victim, other, s.victim)
	}
}

// A ping ahead older than a probe interval is not taken for an answer: the member is
// pinged again before its pods move.
func TestLoopPingsAgainWhenThePingAheadIsOld(t *testing.T) {
	clock := time.Unix(1000, 0)
	s, l, victimPod, _ := lostPeerLoop(t, &clock)

	clock = clock.Add(100 * time.Millisecond)
	l.scheduleOnce(t.Context())
	s.takePings()

	clock = clock.Add(1500 * time.Millisecond)
	s.entries[store.NodeKey(s.victim)] = store.MustJSON(store.NodeLiveness{Node: s.victim, Status: store.LivenessLost, Since: clock, Leader: "n1"})
	l.scheduleOnce(t.Context())
	if s.holds(victimPod, s.victim) {
		t.Fatal("the dead member's pod did not move once it was lost")
	}
	if got := s.takePings(); !reflect.DeepEqual(got, []string{"n2", "n3"}) {
		t.Fatalf("pinged %v; want n2 and n3, the ping ahead being 1.5 s old", got)
	}
}
