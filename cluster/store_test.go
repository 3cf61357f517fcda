package cluster

import "testing"

// Count counts what List("") lists: deleted keys are not counted.
func TestCountIsTheListedKeys(t *testing.T) {
	n := start(t, fastConfig("solo", t.TempDir()))
	for _, k := range []string{"a", "b/1", "b/2"} {
		if _, err := n.Put(k, []byte("v")); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := n.Delete("b/1"); err != nil {
		t.Fatal(err)
	}
	if got, listed := n.Count(), len(n.List("")); got != 2 || listed != 2 {
		t.Fatalf("Count = %d, List lists %d; want 2 and 2", got, listed)
	}
}
