// Package atomicfile replaces and removes files so that a reader, or the next start after a
// crash, sees either the old content or the new, never half of it, and so that a change
// survives a power cut once the call returns.
package atomicfile

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
)

// TempPattern matches the temporary files Write leaves behind when a crash cuts it short,
// for a glob in the file's folder.
const TempPattern = ".*" + tempInfix + "*"

// tempInfix separates, in a temporary file's name, the name of the file it replaces from
// os.CreateTemp's random part: "." + name + tempInfix + random.
const tempInfix = ".tmp-"

// TempTarget tells whether a file name is one of Write's temporary files, left by a write
// that a crash cut short, and which file it was to replace. The caller decides whether the
// leftover is its own to remove.
func TempTarget(name string) (target string, ok bool) {
	rest, ok := strings.CutPrefix(name, ".")
	if !ok {
		return "", false
	}
	// The random part holds no tempInfix, so the last one ends the target's name.
	i := strings.LastIndex(rest, tempInfix)
	if i <= 0 {
		return "", false
	}
	return rest[:i], true
}

// Write replaces path with data and mode perm: it writes a temporary file in the same folder,
// flushes it to disk, renames it over path and flushes the folder, so that the rename itself
// survives a power cut.
func Write(path string, data []byte, perm os.FileMode) (err error) {
	f, err := createTemp(path)
	if err != nil {
		return fmt.Errorf("create temporary file for %s: %w", path, err)
	}
	defer func() {
		if err != nil {
			_ = f.Close()
			_ = os.Remove(f.Name())
		}
	}()
	if _, err := f.Write(data); err != nil {
		return fmt.Errorf("write %s: %w", f.Name(), err)
	}
	if err := f.Chmod(perm); err != nil {
		return fmt.Errorf("set the mode of %s: %w", f.Name(), err)
	}
	if err := f.Sync(); err != nil {
		return fmt.Errorf("sync %s: %w", f.Name(), err)
	}
	if err := f.Close(); err != nil {
		return fmt.Errorf("close %s: %w", f.Name(), err)
	}
	if err := os.Rename(f.Name(), path); err != nil {
		return fmt.Errorf("rename %s: %w", f.Name(), err)
	}
	return SyncDir(filepath.Dir(path))
}

// createTemp creates the temporary file that Write fills and renames over path.
func createTemp(path string) (*os.File, error) {
	return os.CreateTemp(filepath.Dir(path), "."+filepath.Base(path)+tempInfix+"*")
}

// Remove removes path and flushes its folder, so that the removal survives a power cut. A
// file that is already gone is no error; the folder is flushed all the same, since an
// earlier removal may not have been.
func Remove(path string) error {
	if err := os.Remove(path); err != nil && !errors.Is(err, fs.ErrNotExist) {
		return err // an *fs.PathError, which says "remove <path>: ..." already
	}
	return SyncDir(filepath.Dir(path))
}

// SyncDir flushes a folder to disk: the entries created, renamed or removed in it survive a
// power cut once it returns.
func SyncDir(dir string) error {
	d, err := os.Open(dir)
	if err != nil {
		return fmt.Errorf("open folder %s: %w", dir, err)
	}
	defer d.Close()
	if err := d.Sync(); err != nil {
		return fmt.Errorf("sync folder %s: %w", dir, err)
	}
	return nil
}
