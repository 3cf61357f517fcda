package reconcile

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"

	"github.com/podman-swarm/podman-swarm/quadlet"
)

// tmpSuffix ends the name of a file being written; Quadlet reads only its own extensions, so
// it never sees one, and a leftover from a crash is removed on the next read.
const tmpSuffix = ".swarm-tmp"

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
		if strings.HasPrefix(name, ".") && strings.HasSuffix(name, tmpSuffix) {
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

// writeUnit writes one unit file atomically: a temporary file in the same folder, synced,
// then renamed over the name, so that systemd and a crashed agent only ever see a whole file.
func writeUnit(dir, name, text string) error {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return fmt.Errorf("create unit folder %s: %w", dir, err)
	}
	tmp := filepath.Join(dir, "."+name+tmpSuffix)
	f, err := os.OpenFile(tmp, os.O_WRONLY|os.O_CREATE|os.O_TRUNC, 0o644)
	if err != nil {
		return fmt.Errorf("write unit file %s: %w", name, err)
	}
	_, err = f.WriteString(text)
	if err == nil {
		err = f.Sync()
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Rename(tmp, filepath.Join(dir, name))
	}
	if err != nil {
		os.Remove(tmp)
		return fmt.Errorf("write unit file %s: %w", name, err)
	}
	return syncDir(dir)
}

// removeUnit removes one unit file; one that is already gone is fine.
func removeUnit(dir, name string) error {
	if err := os.Remove(filepath.Join(dir, name)); err != nil && !errors.Is(err, fs.ErrNotExist) {
		return fmt.Errorf("remove unit file %s: %w", name, err)
	}
	return syncDir(dir)
}

// syncDir makes a rename or removal in dir durable before systemd is told about it.
func syncDir(dir string) error {
	d, err := os.Open(dir)
	if err != nil {
		return fmt.Errorf("sync unit folder %s: %w", dir, err)
	}
	defer d.Close()
	if err := d.Sync(); err != nil {
		return fmt.Errorf("sync unit folder %s: %w", dir, err)
	}
	return nil
}
