package dns

import (
	"os"
	"strings"
	"testing"
)

func TestHostList(t *testing.T) {
	spec, err := WhitelistSpec{Enabled: true, Hosts: []string{"Example.com", "*.pkg.dev.", "  registry.local  ", "example.com"}}.Normalize()
	if err != nil {
		t.Fatal(err)
	}
	if got := strings.Join(spec.Hosts, " "); got != "example.com pkg.dev registry.local" {
		t.Fatalf("normalized hosts = %q", got)
	}
	l := NewHostList(spec.Hosts)
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
}

func TestNormalizeRefusesWhatIsNotAHost(t *testing.T) {
	for _, bad := range []string{"", ".", "*.", "not a host", "a..b", "exa$mple.com", strings.Repeat("a", 64) + ".com", strings.Repeat("a.", 130) + "com", "example.com/path"} {
		if _, err := (WhitelistSpec{Hosts: []string{"ok.example", bad}}).Normalize(); err == nil {
			t.Errorf("Normalize accepted %q", bad)
		} else if !strings.Contains(err.Error(), "not a host name") {
			t.Errorf("Normalize(%q): error %q does not say why", bad, err)
		}
	}
}

func TestFollowedWhitelist(t *testing.T) {
	var w FollowedWhitelist
	if !w.Allows("anything.org.") {
		t.Error("a whitelist never set refuses names")
	}
	w.Set(WhitelistSpec{Enabled: true, Hosts: []string{"example.com"}})
	if !w.Allows("www.example.com.") || w.Allows("example.org.") {
		t.Error("an enabled whitelist does not follow its hosts")
	}
	w.Set(WhitelistSpec{Enabled: false, Hosts: []string{"example.com"}})
	if !w.Allows("example.org.") {
		t.Error("a disabled whitelist refuses names")
	}
}

func writeFile(t *testing.T, path, content string) {
	t.Helper()
	if err := os.WriteFile(path, []byte(content), 0o600); err != nil {
		t.Fatal(err)
	}
}
