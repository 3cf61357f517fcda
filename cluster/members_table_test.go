package cluster

import (
	"testing"
	"time"
)

func TestMemberTable(t *testing.T) {
	var events []MemberEvent
	tab := newMemberTable(func(ev MemberEvent) { events = append(events, ev) })
	clock := time.Unix(100, 0)
	tab.now = func() time.Time { return clock }

	tab.alive(Member{Name: "a", Addr: "10.0.0.1:7946"})
	tab.alive(Member{Name: "b", Addr: "10.0.0.2:7946"})
	tab.alive(Member{Name: "c", Addr: "10.0.0.3:7946"})

	clock = clock.Add(time.Minute)
	tab.gone("b") // no announcement: a failure
	tab.announcedLeave("c")
	tab.gone("c") // announced: a leave

	tab.gone("d") // never heard of: nothing
	tab.announcedLeave("a")
	tab.alive(Member{Name: "a", Addr: "10.0.0.1:7946"}) // came back: no longer leaving

	tab.alive(Member{Name: "e", Addr: "10.0.0.5:7946"})
	tab.gone("e")
	tab.announcedLeave("e") // late announcement corrects the failure

	wantTypes := []MemberEventType{MemberJoined, MemberJoined, MemberJoined, MemberFailed, MemberLeft,
		MemberJoined, MemberJoined, MemberFailed, MemberLeft}
	if len(events) != len(wantTypes) {
		t.Fatalf("%d events, want %d: %v", len(events), len(wantTypes), events)
	}
	for i, want := range wantTypes {
		if events[i].Type != want {
			t.Errorf("event %d: %s, want %s", i, events[i].Type, want)
		}
	}

	states := map[string]MemberState{}
	for _, m := range tab.list() {
		states[m.Name] = m.State
	}
	want := map[string]MemberState{"a": StateAlive, "b": StateDead, "c": StateLeft, "e": StateLeft}
	for name, st := range want {
		if states[name] != st {
			t.Errorf("%s is %s, want %s", name, states[name], st)
		}
	}
	if got := tab.aliveCount(); got != 1 {
		t.Errorf("aliveCount = %d, want 1", got)
	}
	if got := tab.addrsIn("a", StateDead); len(got) != 1 || got[0] != "10.0.0.2:7946" {
		t.Errorf("dead addresses %v", got)
	}

	tab.forgetBefore(time.Unix(100, 0).Add(2 * time.Minute))
	if got := tab.list(); len(got) != 1 || got[0].Name != "a" {
		t.Errorf("after forgetting: %v", got)
	}
}
