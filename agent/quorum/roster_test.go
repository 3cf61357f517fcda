package quorum

import (
	"log/slog"
	"os"
	"path/filepath"
	"reflect"
	"testing"
	"time"

	"github.com/podman-swarm/podman-swarm/cluster"
)

var t0 = time.Date(2026, 12, 4, 12, 0, 0, 0, time.UTC)

func member(name string, state cluster.MemberState, since time.Time) cluster.Member {
	return cluster.Member{Name: name, State: state, Since: since}
}

func quiet() *slog.Logger { return slog.New(slog.DiscardHandler) }

// The known members are those listed alive or dead; those that left or were removed are
// not; and the file keeps them for the next start, when the membership lists only the few
// members this node reaches.
func TestRosterRemembersAcrossRestarts(t *testing.T) {
	dir := t.TempDir()
	r := OpenRoster(dir, quiet())
	members := []cluster.Member{
		member("a", cluster.StateAlive, t0), member("b", cluster.StateAlive, t0),
		member("c", cluster.StateDead, t0.Add(-time.Minute)), member("d", cluster.StateLeft, t0),
		member("e", cluster.StateLeft, t0), // removed: left, with a removal record
	}
	got := r.Observe(members, map[string]bool{"e": true}, t0)
	if want := []string{"a", "b", "c"}; !reflect.DeepEqual(got, want) {
		t.Fatalf("known = %v; want %v", got, want)
	}

	// A restart on the small side of a partition: only a is listed, alone.
	again := OpenRoster(dir, quiet())
	got = again.Observe([]cluster.Member{member("a", cluster.StateAlive, t0)}, nil, t0.Add(time.Minute))
	if want := []string{"a", "b", "c"}; !reflect.DeepEqual(got, want) {
		t.Fatalf("after a restart, known = %v; want %v", got, want)
	}

	// b leaves for good, c is removed: neither counts any more, also after a restart.
	again.Observe([]cluster.Member{member("a", cluster.StateAlive, t0), member("b", cluster.StateLeft, t0)}, map[string]bool{"c": true}, t0.Add(2*time.Minute))
	if got := OpenRoster(dir, quiet()).Observe(nil, nil, t0.Add(3*time.Minute)); !reflect.DeepEqual(got, []string{"a"}) {
		t.Fatalf("after leave and removal, known = %v; want [a]", got)
	}
}

// A member neither listed nor seen alive for ForgetAfter is forgotten, as the membership
// forgets a failed member; one still listed, even dead, stays.
func TestRosterForgetsMembersGoneForLong(t *testing.T) {
	r := OpenRoster(t.TempDir(), quiet())
	r.Observe([]cluster.Member{member("a", cluster.StateAlive, t0), member("b", cluster.StateAlive, t0), member("c", cluster.StateAlive, t0)}, nil, t0)
	later := t0.Add(ForgetAfter + time.Hour)
	// b was alive until an hour ago; c has not been seen for longer than ForgetAfter.
	got := r.Observe([]cluster.Member{member("a", cluster.StateAlive, t0), member("b", cluster.StateDead, later.Add(-time.Hour))}, nil, later)
	if want := []string{"a", "b"}; !reflect.DeepEqual(got, want) {
		t.Fatalf("known = %v; want %v", got, want)
	}
	// Forgetting is written down too.
	if got := OpenRoster(filepath.Dir(r.path), quiet()).Observe(nil, nil, later); !reflect.DeepEqual(got, []string{"a", "b"}) {
		t.Fatalf("after a restart, known = %v; want [a b]", got)
	}
}

// A damaged file is no reason to stop: the roster starts from the membership.
func TestRosterWithDamagedFile(t *testing.T) {
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, RosterFile), []byte("{not json"), 0o600); err != nil {
		t.Fatal(err)
	}
	r := OpenRoster(dir, quiet())
	if got := r.Observe([]cluster.Member{member("a", cluster.StateAlive, t0)}, nil, t0); !reflect.DeepEqual(got, []string{"a"}) {
		t.Fatalf("known = %v; want [a]", got)
	}
	if got := OpenRoster(dir, quiet()).Observe(nil, nil, t0); !reflect.DeepEqual(got, []string{"a"}) {
		t.Fatalf("the file was not written again: known = %v", got)
	}
}

// The file is written when the known members change, and otherwise at most once per
// refreshEvery of a member's sightings: not at every look.
func TestRosterWritesRarely(t *testing.T) {
	dir := t.TempDir()
	r := OpenRoster(dir, quiet())
	alive := []cluster.Member{member("a", cluster.StateAlive, t0)}
	r.Observe(alive, nil, t0)
	path := filepath.Join(dir, RosterFile)
	first, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	r.Observe(alive, nil, t0.Add(time.Minute))
	if now, _ := os.ReadFile(path); string(now) != string(first) {
		t.Fatalf("written again a minute later with nothing new: %s", now)
	}
	r.Observe(alive, nil, t0.Add(refreshEvery+time.Minute))
	if now, _ := os.ReadFile(path); string(now) == string(first) {
		t.Fatal("the sighting is not written again after refreshEvery")
	}
}
