package atomicfile

import (
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"testing"
)

func TestWrite(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "state")
	for _, content := range []string{"first", "second, longer than the first"} {
		if err := Write(path, []byte(content), 0o600); err != nil {
			t.Fatal(err)
		}
		got, err := os.ReadFile(path)
		if err != nil || string(got) != content {
			t.Fatalf("read back %q, %v; want %q", got, err, content)
		}
	}
	info, err := os.Stat(path)
	if err != nil || info.Mode().Perm() != 0o600 {
		t.Errorf("mode %v, %v", info.Mode(), err)
	}
	if left, _ := filepath.Glob(filepath.Join(dir, TempPattern)); len(left) != 0 {
		t.Errorf("temporary files left: %v", left)
	}
	if err := Write(filepath.Join(dir, "missing", "x"), []byte("x"), 0o600); err == nil {
		t.Error("a write into a missing folder succeeded")
	}
}

// A write cut short leaves its temporary file, which TempPattern finds and TempTarget
// names, even for a target whose name looks like a temporary file's.
func TestTempTarget(t *testing.T) {
	dir := t.TempDir()
	target := filepath.Join(dir, "swarm-default_web.tmp-1.pod")
	f, err := createTemp(target)
	if err != nil {
		t.Fatal(err)
	}
	f.Close()
	left, _ := filepath.Glob(filepath.Join(dir, TempPattern))
	if len(left) != 1 || left[0] != f.Name() {
		t.Fatalf("TempPattern finds %v, want %s", left, f.Name())
	}
	if got, ok := TempTarget(filepath.Base(f.Name())); !ok || got != filepath.Base(target) {
		t.Errorf("TempTarget(%s) = %q, %v; want %s", filepath.Base(f.Name()), got, ok, filepath.Base(target))
	}
	for _, name := range []string{"state", "state.tmp-1", ".tmp-1", ".state", "..tmp-"} {
		if got, ok := TempTarget(name); ok {
			t.Errorf("TempTarget(%q) = %q, true", name, got)
		}
	}
}

func TestRemove(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "state")
	if err := Write(path, []byte("x"), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := Remove(path); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(path); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("file still there: %v", err)
	}
	if err := Remove(path); err != nil {
		t.Errorf("removing a file that is gone: %v", err)
	}
	if err := Remove(filepath.Join(dir, "missing", "x")); err == nil {
		t.Error("removing from a missing folder succeeded: its folder cannot be flushed")
	}
	if err := os.MkdirAll(filepath.Join(dir, "full", "x"), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := Remove(filepath.Join(dir, "full")); err == nil {
		t.Error("removing a folder that is not empty succeeded")
	}
}

func TestSyncDir(t *testing.T) {
	if err := SyncDir(t.TempDir()); err != nil {
		t.Error(err)
	}
	if err := SyncDir(filepath.Join(t.TempDir(), "missing")); err == nil {
		t.Error("syncing a missing folder succeeded")
	}
}
