package follow

import (
	"reflect"
	"testing"
)

type item struct{ name, value string }

func TestDiff(t *testing.T) {
	key := func(i item) string { return i.name }
	same := func(a, b item) bool { return a.value == b.value }
	before := []item{{"gone", "1"}, {"kept", "1"}, {"moved", "1"}, {"also-gone", "1"}}
	after := []item{{"new", "1"}, {"moved", "2"}, {"kept", "1"}}
	got := Diff(before, after, key, same)
	want := []Change[item]{
		{Key: "new", Kind: Added, New: item{"new", "1"}},
		{Key: "moved", Kind: Changed, Old: item{"moved", "1"}, New: item{"moved", "2"}},
		{Key: "gone", Kind: Removed, Old: item{"gone", "1"}},
		{Key: "also-gone", Kind: Removed, Old: item{"also-gone", "1"}},
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("Diff:\n got %+v\nwant %+v", got, want)
	}
	if got := Diff(after, after, key, same); len(got) != 0 {
		t.Errorf("no change: %+v", got)
	}
}
