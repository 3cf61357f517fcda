package fielderr

import (
	"errors"
	"fmt"
	"io/fs"
	"testing"
)

var flags = Names(map[string]string{"TTL": "--ttl", "Agent": "--agent", "Listen": "--listen", "TLSCert": "--tls-cert", "TLSKey": "--tls-key"})

func TestNamedAndRenamed(t *testing.T) {
	err := New("TTL", "%s %s: want between 0s and 1h", "5h0m0s")
	if got := err.Error(); got != "TTL 5h0m0s: want between 0s and 1h" {
		t.Errorf("Error() = %q", got)
	}
	if got := Rename(err, flags).Error(); got != "--ttl 5h0m0s: want between 0s and 1h" {
		t.Errorf("renamed: %q", got)
	}
	other := New("Upstreams", "%s: bad")
	if got := Rename(other, flags); got != error(other) {
		t.Errorf("a field the names do not list was renamed: %v", got)
	}
}

// The error a field's error wraps stays reachable, before and after renaming.
func TestWrapped(t *testing.T) {
	cause := fmt.Errorf("open x: %w", fs.ErrNotExist)
	err := New("Agent", "%s: %w", cause)
	if !errors.Is(err, fs.ErrNotExist) {
		t.Error("the wrapped error is lost")
	}
	renamed := Rename(err, flags)
	if renamed.Error() != "--agent: open x: file does not exist" || !errors.Is(renamed, fs.ErrNotExist) {
		t.Errorf("renamed: %v", renamed)
	}
}

// Words around a field's error stay as they are; the field is renamed inside them.
func TestRenameInsideOtherWords(t *testing.T) {
	plain := errors.New("listen on :80: permission denied")
	if Rename(plain, flags) != plain {
		t.Error("an error about no field changed")
	}
	inner := New("Listen", "%s <address>:53")
	outer := fmt.Errorf("start: %w", inner)
	got := Rename(outer, flags)
	if got.Error() != "start: --listen <address>:53" {
		t.Errorf("a wrapped field error: %q", got)
	}
	var fe *Error
	if !errors.As(got, &fe) || fe != inner {
		t.Error("the renamed error lost its chain")
	}
}

// A list names every problem under its heading, one a line, fields of two together too.
func TestList(t *testing.T) {
	if Join("invalid", nil) != nil {
		t.Error("an empty list is an error")
	}
	err := Join("invalid agent configuration", []*Error{
		NewFields([]string{"TLSCert", "TLSKey"}, "%s and %s go together: give both or neither"),
		New("TTL", "%s is empty"),
	})
	want := "invalid agent configuration: --tls-cert and --tls-key go together: give both or neither\n--ttl is empty"
	if got := Rename(err, flags).Error(); got != want {
		t.Errorf("renamed list:\n got %q\nwant %q", got, want)
	}
	if got := err.Error(); got != "invalid agent configuration: TLSCert and TLSKey go together: give both or neither\nTTL is empty" {
		t.Errorf("list: %q", got)
	}
}
