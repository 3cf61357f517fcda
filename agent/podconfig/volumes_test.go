package podconfig

import (
	"io/fs"
	"os"
	"path/filepath"
	"testing"

	"github.com/podman-swarm/podman-swarm/quadlet"
)

func readThrough(t *testing.T, dir, item string) string {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(dir, item))
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// A volume is written as the kubelet writes it, and a new version replaces the old one
// through the ..data link, leaving nothing of it behind.
func TestWriteVolumeSwapsVersions(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "swarm-default_web", "settings")
	v1 := quadlet.ConfigVolume{Dir: dir, Files: []quadlet.ConfigFile{
		{Path: "app.properties", Data: []byte("a=1\n"), Mode: 0o644},
		{Path: "conf/level", Data: []byte("debug"), Mode: 0o400},
		{Path: "old", Data: []byte("x"), Mode: 0o644},
	}}
	if err := writeVolume(v1); err != nil {
		t.Fatal(err)
	}
	first, err := os.Readlink(filepath.Join(dir, quadlet.ConfigDataDir))
	if err != nil {
		t.Fatal(err)
	}
	if got := readThrough(t, dir, "app.properties"); got != "a=1\n" {
		t.Errorf("app.properties = %q", got)
	}
	if got := readThrough(t, dir, "conf/level"); got != "debug" {
		t.Errorf("conf/level = %q", got)
	}
	st, err := os.Stat(filepath.Join(dir, "conf", "level"))
	if err != nil || st.Mode().Perm() != 0o400 {
		t.Errorf("mode of conf/level = %v, %v", st.Mode(), err)
	}
	if l, err := os.Readlink(filepath.Join(dir, "app.properties")); err != nil || l != filepath.Join(quadlet.ConfigDataDir, "app.properties") {
		t.Errorf("app.properties is not a link through ..data: %q %v", l, err)
	}
	// The same files again: nothing is touched.
	if err := writeVolume(v1); err != nil {
		t.Fatal(err)
	}
	if again, _ := os.Readlink(filepath.Join(dir, quadlet.ConfigDataDir)); again != first {
		t.Errorf("an unchanged volume got a new version %s (was %s)", again, first)
	}

	// An open file of the old version keeps reading the old content (a subPath mount
	// holds the old version's file), the folder shows the new one.
	old, err := os.Open(filepath.Join(dir, quadlet.ConfigDataDir, "app.properties"))
	if err != nil {
		t.Fatal(err)
	}
	defer old.Close()
	v2 := quadlet.ConfigVolume{Dir: dir, Files: []quadlet.ConfigFile{
		{Path: "app.properties", Data: []byte("a=2\n"), Mode: 0o644},
		{Path: "conf/level", Data: []byte("info"), Mode: 0o400},
	}}
	if err := writeVolume(v2); err != nil {
		t.Fatal(err)
	}
	if got := readThrough(t, dir, "app.properties"); got != "a=2\n" {
		t.Errorf("after the change app.properties = %q", got)
	}
	buf := make([]byte, 16)
	n, _ := old.Read(buf)
	if string(buf[:n]) != "a=1\n" {
		t.Errorf("the old version's open file reads %q", buf[:n])
	}
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, e := range entries {
		names = append(names, e.Name())
	}
	second, _ := os.Readlink(filepath.Join(dir, quadlet.ConfigDataDir))
	want := []string{quadlet.ConfigDataDir, second, "app.properties", "conf"}
	if len(names) != len(want) {
		t.Errorf("volume holds %v, want %v", names, want)
	}
	if _, err := os.Lstat(filepath.Join(dir, "old")); err == nil {
		t.Error("the link of a removed item is left")
	}
	if _, err := os.Stat(filepath.Join(dir, first)); err == nil {
		t.Error("the old version folder is left")
	}
}

func TestPruneVolumes(t *testing.T) {
	root := t.TempDir()
	for _, d := range []string{"swarm-default_a/keep", "swarm-default_a/gone", "swarm-default_b/x"} {
		if err := os.MkdirAll(filepath.Join(root, d), 0o755); err != nil {
			t.Fatal(err)
		}
	}
	if err := pruneVolumes(root, map[string]map[string]bool{"swarm-default_a": {"keep": true}}); err != nil {
		t.Fatal(err)
	}
	var left []string
	_ = filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
		rel, _ := filepath.Rel(root, p)
		left = append(left, rel)
		return nil
	})
	if len(left) != 3 || left[1] != "swarm-default_a" || left[2] != "swarm-default_a/keep" {
		t.Errorf("left %v", left)
	}
	if err := pruneVolumes(filepath.Join(root, "absent"), nil); err != nil {
		t.Errorf("a missing root: %v", err)
	}
}
