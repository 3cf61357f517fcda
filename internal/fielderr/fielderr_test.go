package fielderr

import (
	"errors"
	"fmt"
	"io/fs"
	"testing"
)

func TestNamedAndRenamed(t *testing.T) {
	err := New("TTL", "%s %s: want between 0s and 1h", "5h0m0s")
	if got := err.Error(); got != "TTL 5h0m0s: want between 0s and 1h" {
		t.Errorf("Error() = %q", got)
	}
	if got := Rename(err, map[string]string{"TTL": "--ttl"}).Error(); got != "--ttl 5h0m0s: want between 0s and 1h" {
		t.Errorf("renamed: %q", got)
	}
	if got := Rename(err, map[string]string{"Listen": "--listen"}); got != error(err) {
		t.Errorf("a field names does not list was renamed: %v", got)
	}
}

// The error a field's error wraps stays reachable, before and after renaming.
func TestWrapped(t *testing.T) {
	cause := fmt.Errorf("open x: %w", fs.ErrNotExist)
	err := New("Agent", "%s: %w", cause)
	if !errors.Is(err, fs.ErrNotExist) {
		t.Error("the wrapped error is lost")
	}
	renamed := Rename(err, map[string]string{"Agent": "--agent"})
	if renamed.Error() != "--agent: open x: file does not exist" || !errors.Is(renamed, fs.ErrNotExist) {
		t.Errorf("renamed: %v", renamed)
	}
}

// Only an *Error itself is renamed: words around it stay as they are, and so does the name.
func TestRenameLeavesOtherErrors(t *testing.T) {
	plain := errors.New("listen on :80: permission denied")
	if Rename(plain, map[string]string{"Listen": "--listen"}) != plain {
		t.Error("an error about no field changed")
	}
	outer := fmt.Errorf("start: %w", New("Listen", "%s <address>:53"))
	if got := Rename(outer, map[string]string{"Listen": "--listen"}).Error(); got != "start: Listen <address>:53" {
		t.Errorf("a wrapped field error: %q", got)
	}
}
