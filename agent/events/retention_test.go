package events

import (
	"fmt"
	"slices"
	"testing"
	"time"
)

func TestRetentionExpired(t *testing.T) {
	now := time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)
	r := Retention{MaxAge: time.Hour, MaxPerObject: 3, MaxTotal: 8}.withDefaults()
	alive := func(n string) bool { return n != "gone" }
	var events []held
	add := func(key, writer, object string, ageMinutes int) {
		at := now.Add(-time.Duration(ageMinutes) * time.Minute)
		events = append(events, held{key: key, writer: writer, received: at, object: object, last: at})
	}
	// Object a: five events, the two oldest beyond the bound of three.
	for i := range 5 {
		add(fmt.Sprintf("event/default/a.%d", i), "self", "Deployment/default/a", 10-i)
	}
	// Object b: four events of other writers; the oldest is beyond the bound.
	add("event/default/b.old-alive", "other", "Deployment/default/b", 30)
	add("event/default/b.1", "other", "Deployment/default/b", 3)
	add("event/default/b.2", "other", "Deployment/default/b", 2)
	add("event/default/b.3", "other", "Deployment/default/b", 1)
	// Object c: one old event of a node that is gone, one of another alive node, one of
	// self: age counts for self's and the gone node's.
	add("event/default/c.gone", "gone", "Service/default/c", 61)
	add("event/default/c.alive", "other", "Service/default/c", 62)
	add("event/default/c.self", "self", "Service/default/c", 90)

	got := r.expired(events, "self", alive, now)
	want := []string{
		"event/default/a.0", "event/default/a.1", // beyond three for a
		"event/default/c.gone", "event/default/c.self", // past an hour
	}
	if !slices.Equal(got, want) {
		t.Errorf("self deletes %q, want %q", got, want)
	}
	// The other node deletes what is beyond the bounds among its own.
	got = r.expired(events, "other", alive, now)
	want = []string{"event/default/b.old-alive", "event/default/c.alive", "event/default/c.gone"}
	if !slices.Equal(got, want) {
		t.Errorf("other deletes %q, want %q", got, want)
	}

	// MaxTotal keeps the newest of all, whichever object they are about.
	r.MaxPerObject, r.MaxTotal = 100, 2
	got = r.expired(events[:5], "self", alive, now)
	want = []string{"event/default/a.0", "event/default/a.1", "event/default/a.2"}
	if !slices.Equal(got, want) {
		t.Errorf("with MaxTotal 2, self deletes %q, want %q", got, want)
	}
}
