package reconcile

import (
	"maps"
	"os"
	"path/filepath"
	"slices"
	"testing"
)

func TestReadUnitDir(t *testing.T) {
	dir := t.TempDir()
	web := desire(t, podSpec("web"))
	for name, text := range web.Units {
		if err := writeUnit(dir, name, text); err != nil {
			t.Fatal(err)
		}
	}
	write := func(name, text string) {
		t.Helper()
		if err := os.WriteFile(filepath.Join(dir, name), []byte(text), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	// Ours by name but without the marker; a marker in a file quadlet would not name;
	// a hand-written unit; a drop-in folder; a leftover of an interrupted write.
	write("swarm-default_api.pod", "[Pod]\nPodName=api\n")
	write("notes.pod", web.Units["swarm-default_web.pod"])
	write("web.container", "[Container]\nImage=x\n")
	if err := os.Mkdir(filepath.Join(dir, "swarm-default_web_app.container.d"), 0o755); err != nil {
		t.Fatal(err)
	}
	write(".swarm-default_web.pod.tmp-123456", "half")
	write(".swarm-default_web.tmp-1.pod.tmp-42", "half of pod web.tmp-1's")
	write(".notes.txt.tmp-1", "a stranger's")

	files, foreign, err := readUnitDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	if got, want := slices.Sorted(maps.Keys(files)), slices.Sorted(maps.Keys(web.Units)); !slices.Equal(got, want) {
		t.Errorf("our files = %q, want %q", got, want)
	}
	for name, f := range files {
		if f.Pod != "default/web" || f.Text != web.Units[name] || f.ModTime.IsZero() {
			t.Errorf("%s read as pod %q, mtime %v, text equal %v", name, f.Pod, f.ModTime, f.Text == web.Units[name])
		}
	}
	wantForeign := []string{".notes.txt.tmp-1", "notes.pod", "swarm-default_api.pod", "swarm-default_web_app.container.d", "web.container"}
	if got := slices.Sorted(maps.Keys(foreign)); !slices.Equal(got, wantForeign) {
		t.Errorf("foreign = %q, want %q", got, wantForeign)
	}
	for _, left := range []string{".swarm-default_web.pod.tmp-123456", ".swarm-default_web.tmp-1.pod.tmp-42"} {
		if _, err := os.Stat(filepath.Join(dir, left)); !os.IsNotExist(err) {
			t.Errorf("leftover temporary file %s still there: %v", left, err)
		}
	}
	if _, err := os.Stat(filepath.Join(dir, ".notes.txt.tmp-1")); err != nil {
		t.Errorf("a stranger's file that looks like a leftover was touched: %v", err)
	}

	if err := removeUnit(dir, "swarm-default_web.pod"); err != nil {
		t.Fatal(err)
	}
	if err := removeUnit(dir, "swarm-default_web.pod"); err != nil {
		t.Errorf("removing a file that is gone: %v", err)
	}
	files, _, err = readUnitDir(dir)
	if err != nil || len(files) != 1 {
		t.Errorf("after removing the .pod file: %d files, %v", len(files), err)
	}
}

func TestReadUnitDirMissing(t *testing.T) {
	files, foreign, err := readUnitDir(filepath.Join(t.TempDir(), "none"))
	if err != nil || len(files) != 0 || len(foreign) != 0 {
		t.Errorf("missing folder: %v %v %v", files, foreign, err)
	}
}

func TestWriteUnitReplaces(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "systemd")
	for _, text := range []string{"one\n", "two\n"} {
		if err := writeUnit(dir, "swarm-default_web.pod", text); err != nil {
			t.Fatal(err)
		}
	}
	b, err := os.ReadFile(filepath.Join(dir, "swarm-default_web.pod"))
	if err != nil || string(b) != "two\n" {
		t.Errorf("file = %q, %v; want the second text", b, err)
	}
	entries, _ := os.ReadDir(dir)
	if len(entries) != 1 {
		t.Errorf("folder holds %d entries, want only the unit", len(entries))
	}
}
