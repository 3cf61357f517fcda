package dns

import (
	"os"
	"path/filepath"
	"testing"
)

func TestHostList(t *testing.T) {
	l, err := ParseHostList([]byte("# comment\n\nExample.com\n*.pkg.dev.\n  registry.local  \n"))
	if err != nil {
		t.Fatal(err)
	}
	tests := map[string]bool{
		"example.com.":        true,
		"a.b.example.com.":    true,
		"badexample.com.":     false,
		"com.":                false,
		"pkg.dev.":            true,
		"eu.pkg.dev.":         true,
		"registry.local.":     true,
		"registry.local.org.": false,
		".":                   false,
	}
	for name, want := range tests {
		if got := l.Allows(name); got != want {
			t.Errorf("Allows(%q) = %v, want %v", name, got, want)
		}
	}
	if _, err := ParseHostList([]byte("example.com\nnot a host\n")); err == nil {
		t.Error("a line with spaces was taken for a host")
	}
}

func TestWhitelistFileReload(t *testing.T) {
	path := filepath.Join(t.TempDir(), "whitelist")
	if err := os.WriteFile(path, []byte("example.com\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	w, err := LoadWhitelistFile(path, nil)
	if err != nil {
		t.Fatal(err)
	}
	if !w.Allows("www.example.com.") || w.Allows("example.org.") {
		t.Fatal("wrong list after load")
	}
	if changed, err := w.Reload(); changed || err != nil {
		t.Errorf("Reload of an unchanged file = %v, %v", changed, err)
	}
	if err := os.WriteFile(path, []byte("example.org\nexample.net\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	if changed, err := w.Reload(); !changed || err != nil {
		t.Fatalf("Reload of a changed file = %v, %v", changed, err)
	}
	if w.Allows("www.example.com.") || !w.Allows("example.org.") {
		t.Error("wrong list after reload")
	}
	// A broken file leaves the list in force.
	if err := os.WriteFile(path, []byte("not a host name\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	if _, err := w.Reload(); err == nil {
		t.Error("a broken file reloaded without error")
	}
	if !w.Allows("example.org.") {
		t.Error("a broken file changed the list")
	}
}

func writeFile(t *testing.T, path, content string) {
	t.Helper()
	if err := os.WriteFile(path, []byte(content), 0o600); err != nil {
		t.Fatal(err)
	}
}
