package cluster

import (
	"bytes"
	"maps"
	"slices"
	"testing"
	"time"

	"pgregory.net/rapid"
)

func TestCompareEntries(t *testing.T) {
	at := func(sec int64) time.Time { return time.Unix(sec, 0) }
	tests := []struct {
		name string
		a, b Entry
		want int
	}{
		{"later time wins", Entry{Version: Version{2, "a"}}, Entry{Version: Version{1, "z"}}, 1},
		{"earlier time loses", Entry{Version: Version{1, "z"}}, Entry{Version: Version{2, "a"}}, -1},
		{"same time: node name breaks the tie", Entry{Version: Version{5, "n2"}}, Entry{Version: Version{5, "n1"}}, 1},
		{"same version: tombstone over value",
			Entry{Version: Version{5, "n1"}, Deleted: true}, Entry{Version: Version{5, "n1"}, Value: []byte("x")}, 1},
		{"same version: larger value wins",
			Entry{Version: Version{5, "n1"}, Value: []byte("b")}, Entry{Version: Version{5, "n1"}, Value: []byte("a")}, 1},
		{"same version and value: later wall clock wins",
			Entry{Version: Version{5, "n1"}, Value: []byte("a"), Modified: at(2)},
			Entry{Version: Version{5, "n1"}, Value: []byte("a"), Modified: at(1)}, 1},
		{"identical", Entry{Version: Version{5, "n1"}, Value: []byte("a"), Modified: at(1)},
			Entry{Version: Version{5, "n1"}, Value: []byte("a"), Modified: at(1)}, 0},
		{"nil and empty values are equal", Entry{Version: Version{5, "n1"}, Value: nil},
			Entry{Version: Version{5, "n1"}, Value: []byte{}}, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := compareEntries(tt.a, tt.b); got != tt.want {
				t.Errorf("compareEntries = %d, want %d", got, tt.want)
			}
			if got := compareEntries(tt.b, tt.a); got != -tt.want {
				t.Errorf("reversed compareEntries = %d, want %d", got, -tt.want)
			}
		})
	}
}

func TestMergeEntries(t *testing.T) {
	old := Entry{Key: "k", Value: []byte("old"), Version: Version{1, "a"}}
	newer := Entry{Key: "k", Value: []byte("new"), Version: Version{2, "a"}}
	tomb := Entry{Key: "k", Deleted: true, Version: Version{3, "b"}}

	state := map[string]Entry{}
	if got := mergeEntries(state, []Entry{old}); len(got) != 1 {
		t.Fatalf("first entry: %d changes, want 1", len(got))
	}
	if got := mergeEntries(state, []Entry{newer, old}); len(got) != 1 || string(got[0].Value) != "new" {
		t.Fatalf("newer then older: changes %v, want only the newer", got)
	}
	if got := mergeEntries(state, []Entry{newer}); len(got) != 0 {
		t.Fatalf("the same entry again changed the state: %v", got)
	}
	if got := mergeEntries(state, []Entry{tomb, newer}); len(got) != 1 || !state["k"].Deleted {
		t.Fatalf("a newer tombstone must win over the value: %v, state %v", got, state["k"])
	}
}

func TestExpiredTombstones(t *testing.T) {
	now := time.Unix(100000, 0)
	state := map[string]Entry{
		"old-tomb":   {Key: "old-tomb", Deleted: true, Received: now.Add(-25 * time.Hour)},
		"young-tomb": {Key: "young-tomb", Deleted: true, Received: now.Add(-time.Hour)},
		"old-value":  {Key: "old-value", Value: []byte("x"), Received: now.Add(-100 * time.Hour)},
		// Written by a node whose clock is a day slow, received here an hour
		// ago: the writer's clock decides nothing.
		"slow-writer": {Key: "slow-writer", Deleted: true, Modified: now.Add(-25 * time.Hour), Received: now.Add(-time.Hour)},
	}
	got := expiredTombstones(state, now, 24*time.Hour)
	if len(got) != 1 || got[0] != "old-tomb" {
		t.Fatalf("expired = %v, want [old-tomb]", got)
	}
}

func TestWithoutExpiredTombstones(t *testing.T) {
	now := time.Unix(100000, 0)
	old := now.Add(-25 * time.Hour)
	state := map[string]Entry{
		"live":    {Key: "live", Value: []byte("x"), Version: Version{1, "a"}},
		"deleted": {Key: "deleted", Deleted: true, Version: Version{1, "a"}},
	}
	in := []Entry{
		{Key: "live", Deleted: true, Version: Version{2, "a"}, Received: old},    // still deletes the value
		{Key: "deleted", Deleted: true, Version: Version{2, "a"}, Received: old}, // only a tombstone: dropped
		{Key: "missing", Deleted: true, Version: Version{2, "a"}, Received: old}, // only a tombstone: dropped
		{Key: "young", Deleted: true, Version: Version{2, "a"}, Received: now},   // within the TTL: kept
		{Key: "value", Value: []byte("v"), Version: Version{2, "a"}, Received: old},
	}
	var keys []string
	for _, e := range withoutExpiredTombstones(state, in, now, 24*time.Hour) {
		keys = append(keys, e.Key)
	}
	if want := []string{"live", "young", "value"}; !slices.Equal(keys, want) {
		t.Fatalf("kept %v, want %v", keys, want)
	}
}

// entryGen draws writes over few keys, times and nodes, so that collisions
// (the same key, the same version, even the same version with different
// content) are common.
func entryGen() *rapid.Generator[Entry] {
	return rapid.Custom(func(t *rapid.T) Entry {
		e := Entry{
			Key: rapid.SampledFrom([]string{"a", "b", "c"}).Draw(t, "key"),
			Version: Version{
				Time: rapid.Uint64Range(0, 4).Draw(t, "time"),
				Node: rapid.SampledFrom([]string{"n1", "n2"}).Draw(t, "node"),
			},
			Deleted:  rapid.Bool().Draw(t, "deleted"),
			Modified: time.Unix(0, rapid.Int64Range(0, 2).Draw(t, "modified")),
		}
		if !e.Deleted {
			e.Value = []byte(rapid.SampledFrom([]string{"", "x", "y"}).Draw(t, "value"))
		}
		return e
	})
}

// statesEqual compares field by field, not with compareEntries, so that a
// broken order cannot hide behind itself.
func statesEqual(a, b map[string]Entry) bool {
	return maps.EqualFunc(a, b, func(x, y Entry) bool {
		return x.Key == y.Key && bytes.Equal(x.Value, y.Value) && x.Version == y.Version &&
			x.Deleted == y.Deleted && x.Modified.UnixNano() == y.Modified.UnixNano()
	})
}

func TestMergeConvergesProperty(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		updates := rapid.SliceOf(entryGen()).Draw(t, "updates")

		// Another node gets the same updates in any order, some of them twice.
		other := rapid.Permutation(updates).Draw(t, "order")
		dups := rapid.SliceOfN(rapid.SampledFrom(append(other, Entry{})), 0, 5).Draw(t, "dups")
		for _, d := range dups {
			if d.Key != "" {
				other = append(other, d)
			}
		}
		a, b := map[string]Entry{}, map[string]Entry{}
		mergeEntries(a, updates)
		mergeEntries(b, other)
		if !statesEqual(a, b) {
			t.Fatalf("states diverged:\n%v\n%v", a, b)
		}
	})
}

func TestMergeStatesProperty(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		a, b := map[string]Entry{}, map[string]Entry{}
		mergeEntries(a, rapid.SliceOf(entryGen()).Draw(t, "a"))
		mergeEntries(b, rapid.SliceOf(entryGen()).Draw(t, "b"))

		// Commutative: a push/pull either way ends in the same state.
		ab, ba := maps.Clone(a), maps.Clone(b)
		mergeEntries(ab, values(b))
		mergeEntries(ba, values(a))
		if !statesEqual(ab, ba) {
			t.Fatalf("merge is not commutative:\n%v\n%v", ab, ba)
		}
		// Idempotent: merging what is already there changes nothing.
		if got := mergeEntries(ab, values(ab)); len(got) != 0 {
			t.Fatalf("merging a state into itself changed %v", got)
		}
		if got := mergeEntries(ab, values(b)); len(got) != 0 {
			t.Fatalf("merging b again changed %v", got)
		}
	})
}

func values(m map[string]Entry) []Entry {
	out := make([]Entry, 0, len(m))
	for _, e := range m {
		out = append(out, e)
	}
	return out
}
