package reconcile

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"

	"github.com/podman-swarm/podman-swarm/internal/atomicfile"
	"github.com/podman-swarm/podman-swarm/quadlet"
)

// leftoverTemp tells a temporary file that atomicfile.Write left in the unit folder when a
// pass was killed, for one of our unit names: only those are ever removed, never a
// stranger's file that happens to look alike.
func leftoverTemp(name string) bool {
	target, found := atomicfile.TempTarget(name)
	if !found {
		return false
	}
	_, ours := quadlet.ParseUnitName(target)
	return ours
}

// maxUnitSize bounds what is read of a file that may be ours: our units are a few kilobytes.
const maxUnitSize = 1 << 20

// readUnitDir reads the unit folder: our files (those whose text carries quadlet's marker)
// and the names of everything else. A missing folder is empty. Sub-folders (drop-ins) and
// files with names quadlet does not make are foreign without being read.
func readUnitDir(dir string) (map[string]File, map[string]bool, error) {
	files, foreign := map[string]File{}, map[string]bool{}
	entries, err := os.ReadDir(dir)
	if errors.Is(err, fs.ErrNotExist) {
		return files, foreign, nil
	}
	if err != nil {
		return nil, nil, fmt.Errorf("read unit folder %s: %w", dir, err)
	}
	for _, e := range entries {
		name := e.Name()
		if leftoverTemp(name) {
			// Our own half-written file from a pass that was killed.
			if err := os.Remove(filepath.Join(dir, name)); err != nil && !errors.Is(err, fs.ErrNotExist) {
				return nil, nil, fmt.Errorf("remove leftover %s: %w", name, err)
			}
			continue
		}
		if _, ok := quadlet.ParseUnitName(name); !ok || !e.Type().IsRegular() {
			foreign[name] = true
			continue
		}
		f, ok, err := readOurs(filepath.Join(dir, name))
		if err != nil {
			return nil, nil, err
		}
		if ok {
			files[name] = f
		} else {
			foreign[name] = true
		}
	}
	return files, foreign, nil
}

// readOurs reads a file and tells whether it carries the marker.
func readOurs(path string) (File, bool, error) {
	st, err := os.Stat(path)
	if err != nil {
		return File{}, false, fmt.Errorf("read unit file %s: %w", path, err)
	}
	if st.Size() > maxUnitSize {
		return File{}, false, nil
	}
	b, err := os.ReadFile(path)
	if err != nil {
		return File{}, false, fmt.Errorf("read unit file %s: %w", path, err)
	}
	key, ok := quadlet.Owner(string(b))
	if !ok {
		return File{}, false, nil
	}
	return File{Pod: key, Text: string(b), ModTime: st.ModTime()}, true, nil
}

// writeUnit writes one unit file atomically, so that systemd and a crashed agent only ever
// see a whole file.
func writeUnit(dir, name, text string) error {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return fmt.Errorf("create unit folder %s: %w", dir, err)
	}
	if err := atomicfile.Write(filepath.Join(dir, name), []byte(text), 0o644); err != nil {
		return fmt.Errorf("write unit file %s: %w", name, err)
	}
	return nil
}

// removeUnit removes one unit file, durably before systemd is told about it; one that is
// already gone is fine.
func removeUnit(dir, name string) error {
	if err := atomicfile.Remove(filepath.Join(dir, name)); err != nil {
		return fmt.Errorf("remove unit file %s: %w", name, err)
	}
	return nil
}
