package podconfig

import (
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"

	"github.com/podman-swarm/podman-swarm/quadlet"
)

// versionPrefix starts the name of each version folder of a volume, as the kubelet's
// "..2024_01_01..." folders: a name no item can have (items never start with "..").
const versionPrefix = "..v-"

// writeVolume brings the folder of a configMap volume to its files, the kubelet's way: the
// files go into a new version folder, the ..data link is swapped to it in one rename, each
// top-level item is a link through ..data, and the old version folder goes last. A
// container that has the folder mounted sees the old files or the new ones, never a mix;
// a volume that did not change is not touched.
func writeVolume(v quadlet.ConfigVolume) error {
	version := versionPrefix + volumeHash(v.Files)
	data := filepath.Join(v.Dir, quadlet.ConfigDataDir)
	if cur, err := os.Readlink(data); err == nil && cur == version {
		return nil
	}
	if err := os.MkdirAll(v.Dir, 0o755); err != nil {
		return fmt.Errorf("create config volume %s: %w", v.Dir, err)
	}
	tmp, err := os.MkdirTemp(v.Dir, "..tmp-")
	if err != nil {
		return fmt.Errorf("create config volume %s: %w", v.Dir, err)
	}
	defer os.RemoveAll(tmp) // gone once renamed; left over only on an error
	if err := os.Chmod(tmp, 0o755); err != nil {
		return fmt.Errorf("write config volume %s: %w", v.Dir, err)
	}
	for _, f := range v.Files {
		p := filepath.Join(tmp, filepath.FromSlash(f.Path))
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			return fmt.Errorf("write config volume %s: %w", v.Dir, err)
		}
		if err := os.WriteFile(p, f.Data, 0o600); err != nil {
			return fmt.Errorf("write config volume %s: %w", v.Dir, err)
		}
		// After the write: the umask does not apply to Chmod.
		if err := os.Chmod(p, f.Mode); err != nil {
			return fmt.Errorf("write config volume %s: %w", v.Dir, err)
		}
	}
	dst := filepath.Join(v.Dir, version)
	_ = os.RemoveAll(dst) // a version folder a crash left half written
	if err := os.Rename(tmp, dst); err != nil {
		return fmt.Errorf("write config volume %s: %w", v.Dir, err)
	}
	link := filepath.Join(v.Dir, "..data_tmp")
	_ = os.Remove(link)
	if err := os.Symlink(version, link); err != nil {
		return fmt.Errorf("write config volume %s: %w", v.Dir, err)
	}
	if err := os.Rename(link, data); err != nil {
		return fmt.Errorf("swap config volume %s: %w", v.Dir, err)
	}
	return tidyVolume(v.Dir, version, v.Files)
}

// tidyVolume makes the top-level links of the volume's items and removes what the current
// version no longer has: links of items gone, and older version folders.
func tidyVolume(dir, version string, files []quadlet.ConfigFile) error {
	top := map[string]bool{}
	for _, f := range files {
		first, _, _ := strings.Cut(f.Path, "/")
		top[first] = true
	}
	for name := range top {
		p := filepath.Join(dir, name)
		if _, err := os.Lstat(p); errors.Is(err, fs.ErrNotExist) {
			if err := os.Symlink(filepath.Join(quadlet.ConfigDataDir, name), p); err != nil {
				return fmt.Errorf("link config volume item %s: %w", p, err)
			}
		}
	}
	entries, err := os.ReadDir(dir)
	if err != nil {
		return fmt.Errorf("read config volume %s: %w", dir, err)
	}
	for _, e := range entries {
		name := e.Name()
		switch {
		case name == quadlet.ConfigDataDir || name == version:
		case strings.HasPrefix(name, ".."):
			if err := os.RemoveAll(filepath.Join(dir, name)); err != nil {
				return fmt.Errorf("remove old config version %s: %w", name, err)
			}
		case !top[name]:
			if err := os.Remove(filepath.Join(dir, name)); err != nil {
				return fmt.Errorf("remove config volume item %s: %w", name, err)
			}
		}
	}
	return nil
}

// volumeHash names a version of a volume's files: their paths, modes and contents.
func volumeHash(files []quadlet.ConfigFile) string {
	h := sha256.New()
	for _, f := range files {
		fmt.Fprintf(h, "%d:%s:%o:%d:", len(f.Path), f.Path, f.Mode, len(f.Data))
		h.Write(f.Data)
	}
	return hex.EncodeToString(h.Sum(nil))[:16]
}

// pruneVolumes removes the folders under root of the pods and volumes not in keep (pod
// folder -> its volume folders).
func pruneVolumes(root string, keep map[string]map[string]bool) error {
	pods, err := os.ReadDir(root)
	if errors.Is(err, fs.ErrNotExist) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("read config folder %s: %w", root, err)
	}
	var errs []error
	for _, p := range pods {
		vols, kept := keep[p.Name()]
		if !kept {
			errs = append(errs, os.RemoveAll(filepath.Join(root, p.Name())))
			continue
		}
		entries, err := os.ReadDir(filepath.Join(root, p.Name()))
		if err != nil {
			errs = append(errs, err)
			continue
		}
		for _, v := range entries {
			if !vols[v.Name()] {
				errs = append(errs, os.RemoveAll(filepath.Join(root, p.Name(), v.Name())))
			}
		}
	}
	return errors.Join(errs...)
}
