package cluster

import (
	"slices"
	"sync"
	"testing"
	"time"
)

// replacementLog is a Config.OnReplace that keeps what it was told.
type replacementLog struct {
	mu  sync.Mutex
	got []Replacement
}

func (l *replacementLog) record(old, new Entry) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.got = append(l.got, Replacement{Old: old, New: new})
}

func (l *replacementLog) of(key string) []Replacement {
	l.mu.Lock()
	defer l.mu.Unlock()
	var out []Replacement
	for _, r := range l.got {
		if r.New.Key == key {
			out = append(out, r)
		}
	}
	return out
}

func TestMergeReplacingReportsWhatEachChangeReplaced(t *testing.T) {
	v := func(time uint64, node string) Version { return Version{Time: time, Node: node} }
	state := map[string]Entry{
		"a": {Key: "a", Value: []byte("a1"), Version: v(1, "n1")},
		"b": {Key: "b", Value: []byte("b5"), Version: v(5, "n1")},
	}
	in := []Entry{
		{Key: "a", Value: []byte("a2"), Version: v(2, "n2")},
		{Key: "a", Value: []byte("a3"), Version: v(3, "n3")}, // the same key twice in one batch
		{Key: "b", Value: []byte("b4"), Version: v(4, "n2")}, // older: no change
		{Key: "c", Value: []byte("c1"), Version: v(1, "n2")}, // new key: nothing replaced
		{Key: "a", Deleted: true, Version: v(3, "n3")},       // same version, tombstone wins
	}
	changed, replaced := mergeReplacing(state, in)
	if len(changed) != 4 {
		t.Fatalf("changed %d entries, want 4: %+v", len(changed), changed)
	}
	want := [][2]string{{"a1", "a2"}, {"a2", "a3"}, {"a3", ""}}
	if len(replaced) != len(want) {
		t.Fatalf("replaced %+v, want %d replacements", replaced, len(want))
	}
	for i, r := range replaced {
		if string(r.Old.Value) != want[i][0] || string(r.New.Value) != want[i][1] {
			t.Errorf("replacement %d: %q -> %q, want %q -> %q", i, r.Old.Value, r.New.Value, want[i][0], want[i][1])
		}
	}
	if !replaced[2].New.Deleted {
		t.Errorf("the last replacement is not the tombstone: %+v", replaced[2])
	}
	// The same merge without the hook changes the store alike.
	plain := map[string]Entry{
		"a": {Key: "a", Value: []byte("a1"), Version: v(1, "n1")},
		"b": {Key: "b", Value: []byte("b5"), Version: v(5, "n1")},
	}
	if got := mergeEntries(plain, in); len(got) != len(changed) {
		t.Errorf("mergeEntries changed %d entries, mergeReplacing %d", len(got), len(changed))
	}
	for k, e := range plain {
		if s := state[k]; s.Version != e.Version || s.Deleted != e.Deleted {
			t.Errorf("key %s: %+v with the hook, %+v without", k, s, e)
		}
	}
}

// TestOnReplaceSeesLocalWritesAndMerges: a node's hook hears of its own writes over an
// existing key and of newer versions that arrive from another node, each with what it
// replaced, and not of the first write of a key.
func TestOnReplaceSeesLocalWritesAndMerges(t *testing.T) {
	logs := map[string]*replacementLog{}
	nodes := startCluster(t, 2, func(c *Config) {
		l := &replacementLog{}
		logs[c.NodeName] = l
		c.OnReplace = l.record
	})
	n0, n1 := nodes[0], nodes[1]
	v1 := mustPutVersion(t, n0, "obj", "one")
	waitValue(t, nodes, "obj", []byte("one"))
	v2 := mustPutVersion(t, n1, "obj", "two")
	waitValue(t, nodes, "obj", []byte("two"))
	v3, err := n0.Delete("obj")
	if err != nil {
		t.Fatal(err)
	}
	waitDeleted(t, nodes, "obj")
	for _, n := range nodes {
		if e, ok := n.Lookup("obj"); !ok || !e.Deleted || e.Version != v3 {
			t.Errorf("%s: Lookup gives %+v, %v; want the tombstone %v", n.Name(), e, ok, v3)
		}
		if _, ok := n.Lookup("never"); ok {
			t.Errorf("%s: Lookup found a key never written", n.Name())
		}
	}

	for _, n := range nodes {
		waitFor(t, 5*time.Second, n.Name()+" heard of both replacements", func() bool {
			return len(logs[n.Name()].of("obj")) == 2
		})
		got := logs[n.Name()].of("obj")
		versions := []Version{got[0].Old.Version, got[0].New.Version, got[1].Old.Version, got[1].New.Version}
		if want := []Version{v1, v2, v2, v3}; !slices.Equal(versions, want) {
			t.Errorf("%s: replacements %v, want %v", n.Name(), versions, want)
		}
		if string(got[0].Old.Value) != "one" || string(got[0].New.Value) != "two" || !got[1].New.Deleted {
			t.Errorf("%s: replacements carry %+v", n.Name(), got)
		}
	}
}

func mustPutVersion(t *testing.T, n *Node, key, value string) Version {
	t.Helper()
	v, err := n.Put(key, []byte(value))
	if err != nil {
		t.Fatal(err)
	}
	return v
}
