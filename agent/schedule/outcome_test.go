package schedule

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"testing"
	"time"

	"github.com/podman-swarm/podman-swarm/agent/quorum"
	"github.com/podman-swarm/podman-swarm/agent/store"
	"github.com/podman-swarm/podman-swarm/cluster"
)

// planStore is a store of one Deployment and one alive node, whose writes fail while told.
type planStore struct {
	leader  bool
	failing error
	entries map[string][]byte
}

func (s *planStore) WatchKeys(string) (<-chan string, func()) { return nil, func() {} }
func (s *planStore) WatchMembers() (<-chan cluster.MemberEvent, func()) {
	return nil, func() {}
}
func (s *planStore) IsLeader() bool                     { return s.leader }
func (s *planStore) Name() string                       { return "n1" }
func (s *planStore) Removals() []cluster.Removal        { return nil }
func (s *planStore) Ping(context.Context, string) error { return nil }
func (s *planStore) CatchUp(context.Context, string) error {
	return nil
}
func (s *planStore) Members() []cluster.Member {
	return []cluster.Member{{Name: "n1", State: cluster.StateAlive, Since: time.Unix(0, 0)}}
}

func (s *planStore) List(prefix string) []cluster.Entry {
	var out []cluster.Entry
	for k, v := range s.entries {
		if strings.HasPrefix(k, prefix) {
			out = append(out, cluster.Entry{Key: k, Value: v})
		}
	}
	return out
}

func (s *planStore) Write(_ context.Context, changes []cluster.Change, _ cluster.Ack) (cluster.Version, error) {
	if s.failing != nil {
		return cluster.Version{}, s.failing
	}
	for _, c := range changes {
		if c.Delete {
			delete(s.entries, c.Key)
		} else {
			s.entries[c.Key] = c.Value
		}
	}
	return cluster.Version{}, nil
}

const twoReplicas = `{"apiVersion":"apps/v1","kind":"Deployment","metadata":{"name":"web","namespace":"default"},
"spec":{"replicas":2,"selector":{"matchLabels":{"app":"web"}},"template":{"metadata":{"labels":{"app":"web"}},
"spec":{"containers":[{"name":"main","image":"img:1"}]}}}}`

// The loop keeps what became of its last plan's writes: the keys that failed and the first
// error, until a plan is written whole or the node no longer leads.
func TestLoopRecordsItsFailedWrites(t *testing.T) {
	s := &planStore{leader: true, entries: map[string][]byte{"deployment/default/web": []byte(twoReplicas)}}
	s.failing = fmt.Errorf("%w: it would take 17 MB", cluster.ErrStoreFull)
	l := New(s, time.Minute, time.Second, quorum.OpenRoster(t.TempDir(), slog.New(slog.DiscardHandler)), nil, slog.New(slog.DiscardHandler))
	l.scheduleOnce(t.Context())
	got := l.LastWrites()
	if len(got.Failed) != 2 || !errors.Is(got.Err, cluster.ErrStoreFull) || !errors.Is(l.WriteError(), cluster.ErrStoreFull) {
		t.Fatalf("outcome %+v, want 2 assignments failed for a full store", got)
	}
	for _, k := range got.Failed {
		if !strings.HasPrefix(k, store.PrefixAssignment+"default/web-") {
			t.Errorf("failed key %q is not an assignment of web", k)
		}
	}
	if len(s.List(store.PrefixAssignment)) != 0 {
		t.Fatal("assignments stored by failed writes")
	}

	s.failing = nil
	l.scheduleOnce(t.Context())
	if got := l.LastWrites(); got.Err != nil || len(got.Failed) != 0 || len(s.List(store.PrefixAssignment)) != 2 {
		t.Fatalf("after a plan written whole: outcome %+v, %d assignments", got, len(s.List(store.PrefixAssignment)))
	}

	s.failing = errors.New("boom")
	delete(s.entries, "deployment/default/web")
	l.scheduleOnce(t.Context())
	if l.WriteError() == nil {
		t.Fatal("a failed removal is not recorded")
	}
	s.leader = false
	l.scheduleOnce(t.Context())
	if got := l.LastWrites(); got.Err != nil || len(got.Failed) != 0 {
		t.Fatalf("a node that no longer leads reports %+v", got)
	}
}

// Only a plan that led, had nothing to write and nothing due later lets the loop skip the
// next resync (it would read the whole store to find the same); any other leaves it due.
func TestSettledOnlyAfterAPlanWithNothingToDo(t *testing.T) {
	s := &planStore{leader: true, entries: map[string][]byte{"deployment/default/web": []byte(twoReplicas)}}
	l := New(s, time.Minute, time.Second, quorum.OpenRoster(t.TempDir(), slog.New(slog.DiscardHandler)), nil, slog.New(slog.DiscardHandler))
	l.scheduleOnce(t.Context())
	if l.settled || len(s.List(store.PrefixAssignment)) != 2 {
		t.Fatalf("after a plan that placed %d pods: settled %v", len(s.List(store.PrefixAssignment)), l.settled)
	}
	l.scheduleOnce(t.Context())
	if !l.settled {
		t.Fatal("a plan with nothing to write left the loop unsettled")
	}
	s.failing = errors.New("boom")
	delete(s.entries, "deployment/default/web")
	l.scheduleOnce(t.Context())
	if l.settled {
		t.Fatal("settled after a plan whose writes failed")
	}
	s.failing = nil
	l.scheduleOnce(t.Context())
	if l.settled || len(s.List(store.PrefixAssignment)) != 0 {
		t.Fatalf("after a plan that removed the pods (%d left): settled %v", len(s.List(store.PrefixAssignment)), l.settled)
	}
	l.scheduleOnce(t.Context())
	if !l.settled {
		t.Fatal("a plan with nothing left to remove left the loop unsettled")
	}
	s.leader = false
	l.scheduleOnce(t.Context())
	if l.settled {
		t.Fatal("settled on a node that does not lead")
	}
}
