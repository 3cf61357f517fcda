package cluster

import (
	"errors"
	"slices"
	"testing"
	"time"

	"github.com/hashicorp/memberlist"
)

func TestRemovable(t *testing.T) {
	tests := []struct {
		name      string
		target    string
		known     bool
		remaining int
		want      error
	}{
		{name: "a member", target: "b", known: true, remaining: 1},
		{name: "a member removed before", target: "b", known: true, remaining: 2},
		{name: "itself", target: "a", known: true, remaining: 2, want: ErrRemoveSelf},
		{name: "unknown", target: "x", remaining: 2, want: ErrNoSuchMember},
		{name: "the last other member", target: "b", known: true, want: ErrLastMember},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := removable("a", tt.target, tt.known, tt.remaining)
			if !errors.Is(err, tt.want) || (tt.want == nil) != (err == nil) {
				t.Errorf("removable = %v, want %v", err, tt.want)
			}
		})
	}
	if err := removable("a", "", false, 2); err == nil {
		t.Error("an empty name is removable")
	}
}

func TestMemberTableRemoved(t *testing.T) {
	var events []MemberEvent
	tab := newMemberTable(func(ev MemberEvent) { events = append(events, ev) })
	clock := time.Unix(100, 0)
	tab.now = func() time.Time { return clock }

	tab.alive(Member{Name: "a", Addr: "10.0.0.1:7946"})
	tab.alive(Member{Name: "b", Addr: "10.0.0.2:7946"})
	tab.alive(Member{Name: "c", Addr: "10.0.0.3:7946"})
	if got := tab.remainingWithout("a", "b"); got != 1 {
		t.Errorf("remainingWithout = %d, want 1", got)
	}
	events = nil

	clock = clock.Add(time.Minute)
	if !tab.markRemoved("b") {
		t.Error("the first removal is not news")
	}
	if tab.markRemoved("b") {
		t.Error("a second removal is news")
	}
	// memberlist may still count it, update it, then declare it dead:
	// none of this changes that it left.
	tab.alive(Member{Name: "b", Addr: "10.0.0.2:7946"})
	tab.updated(Member{Name: "b", Addr: "10.0.0.2:7946", Meta: map[string]string{"k": "v"}})
	tab.gone("b")
	if len(events) != 1 || events[0].Type != MemberLeft || events[0].Member.Name != "b" ||
		events[0].Member.State != StateLeft || !events[0].Member.Since.Equal(clock) {
		t.Fatalf("events %v, want one left event for b", events)
	}
	if got := tab.aliveCount(); got != 2 {
		t.Errorf("aliveCount = %d, want 2", got)
	}
	if got := tab.remainingWithout("a", "c"); got != 0 {
		t.Errorf("remainingWithout counts a removed member: %d", got)
	}
	if got := tab.addrsIn("a", StateAlive, StateDead); !slices.Equal(got, []string{"10.0.0.3:7946"}) {
		t.Errorf("addresses to dial %v include the removed member", got)
	}

	// A member unknown here is remembered as removed all the same.
	tab.markRemoved("d")
	tab.alive(Member{Name: "d"})
	if tab.known("d") {
		t.Error("a removed member unknown before was admitted")
	}

	// Once the removal is forgotten, the member may come back.
	tab.unmarkRemoved("b")
	tab.alive(Member{Name: "b", Addr: "10.0.0.2:7946"})
	if last := events[len(events)-1]; last.Type != MemberJoined || last.Member.State != StateAlive {
		t.Errorf("after forgetting, b is %s %s, want joined and alive", last.Type, last.Member.State)
	}
	if tab.isRemoved("b") || !tab.isRemoved("d") {
		t.Error("isRemoved disagrees with the marks")
	}

	// memberlist may never have stopped counting a member whose removal was
	// forgotten at once: its next update, not a join, brings it back.
	tab.markRemoved("c")
	tab.unmarkRemoved("c")
	tab.updated(Member{Name: "c", Addr: "10.0.0.3:7946"})
	if last := events[len(events)-1]; last.Type != MemberJoined || last.Member.Name != "c" || last.Member.State != StateAlive {
		t.Errorf("after forgetting, an update of c gives %s %s %s, want c joined and alive", last.Type, last.Member.Name, last.Member.State)
	}
}

func TestRemovalRecord(t *testing.T) {
	r := Removal{Name: "b", Addr: "10.0.0.2:7946", By: "a", At: time.Unix(1700000000, 0).UTC()}
	value, err := encodeRemoval(r)
	if err != nil {
		t.Fatal(err)
	}
	got, err := decodeRemoval(Entry{Key: removalKey("b"), Value: value})
	if err != nil || got != r {
		t.Fatalf("decoded %+v (%v), want %+v", got, err, r)
	}
	// The key names the member, whatever the value claims.
	got, err = decodeRemoval(Entry{Key: removalKey("c"), Value: value})
	if err != nil || got.Name != "c" {
		t.Errorf("decoded name %q (%v), want c", got.Name, err)
	}
	if _, err := decodeRemoval(Entry{Key: removalKey("b"), Value: []byte("{")}); err == nil {
		t.Error("a broken record decodes")
	}
}

// bareNode is a node without memberlist, enough for the store lookups that
// refusal goes by.
func bareNode(t *testing.T, name string, removed ...string) *Node {
	t.Helper()
	n := &Node{
		cfg:     Config{NodeName: name}.withDefaults(),
		entries: map[string]Entry{},
		members: newMemberTable(func(MemberEvent) {}),
	}
	n.log = n.cfg.Logger
	for _, r := range removed {
		n.entries[removalKey(r)] = Entry{Key: removalKey(r), Value: []byte(`{}`), Version: Version{Time: 1, Node: "x"}}
	}
	return n
}

func TestAdmission(t *testing.T) {
	n := bareNode(t, "a", "gone", "a")
	n.entries[removalKey("back")] = Entry{Key: removalKey("back"), Deleted: true, Version: Version{Time: 2, Node: "x"}}
	adm := &admission{n: n}

	if err := adm.NotifyAlive(&memberlist.Node{Name: "gone"}); err == nil {
		t.Error("an alive message about a removed member is accepted")
	}
	for _, name := range []string{"b", "back", "a"} {
		if err := adm.NotifyAlive(&memberlist.Node{Name: name}); err != nil {
			t.Errorf("alive message about %s refused: %v", name, err)
		}
	}
	dead := []*memberlist.Node{{Name: "b", State: memberlist.StateAlive}, {Name: "gone", State: memberlist.StateDead}}
	if err := adm.NotifyMerge(dead); err != nil {
		t.Errorf("a view that counts the removed member dead is refused: %v", err)
	}
	alive := []*memberlist.Node{{Name: "b", State: memberlist.StateAlive}, {Name: "gone", State: memberlist.StateAlive}}
	if err := adm.NotifyMerge(alive); err == nil {
		t.Error("a view that counts the removed member alive is accepted")
	}
}

func TestRemovedMemberCannotRotateKeys(t *testing.T) {
	n := bareNode(t, "a", "gone")
	tok, _ := newToken()
	keys, err := newKeyring(t.TempDir(), []string{tok})
	if err != nil {
		t.Fatal(err)
	}
	n.keys = keys
	other, _ := newToken()
	n.answerKeyRequest(keyRequest{ID: 1, From: "gone", Op: keyInstall, Token: other})
	if got := keys.snapshot(); !slices.Equal(got, []string{tok}) {
		t.Errorf("a removed member installed a key: %v", got)
	}
}

func TestNoticeRemovals(t *testing.T) {
	n := bareNode(t, "a")
	n.members.alive(Member{Name: "b"})
	n.entries[removalKey("b")] = Entry{Key: removalKey("b"), Value: []byte(`{"by":"a"}`), Version: Version{Time: 1, Node: "a"}}
	n.noticeRemovals([]Entry{n.entries[removalKey("b")], {Key: "other/key"}})
	if m := n.members.list()[0]; m.State != StateLeft {
		t.Errorf("b is %s after its removal, want left", m.State)
	}
	n.entries[removalKey("b")] = Entry{Key: removalKey("b"), Deleted: true, Version: Version{Time: 2, Node: "a"}}
	n.noticeRemovals([]Entry{n.entries[removalKey("b")]})
	if n.members.isRemoved("b") {
		t.Error("b is still marked removed after the record was deleted")
	}
	if got := n.Removals(); len(got) != 0 {
		t.Errorf("Removals = %v after the record was deleted", got)
	}
}
