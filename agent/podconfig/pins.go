package podconfig

import (
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"maps"
	"os"
	"path/filepath"
	"strconv"
	"strings"

	corev1 "k8s.io/api/core/v1"

	"github.com/podman-swarm/podman-swarm/manifest"
)

// pin is what a Deployment's pod was first rendered with on this node: the ConfigMaps and
// Secrets its containers take at creation (env, envFrom, secret volumes), as they were.
// The node renders the pod with them for as long as it runs it, so that a running pod's
// units never change with a value: the Deployment rolls out new pods instead, which take
// the values of their time. An object the pod takes that was missing is missing here too.
type pin struct {
	// Versions are the pod's ConfigVersions when it was pinned: a pod of the same name
	// made for other versions is another pod.
	Versions map[string]string      `json:"versions"`
	Objects  manifest.ConfigObjects `json:"objects"`
}

// newPin takes from cur what a pod takes at creation.
func newPin(p manifest.Pod, cur manifest.ConfigObjects) pin {
	out := pin{Versions: maps.Clone(p.ConfigVersions), Objects: manifest.ConfigObjects{}}
	for ref := range p.ConfigVersions {
		if name, ok := strings.CutPrefix(ref, manifest.ConfigVersionConfigMap); ok {
			if cm, ok := cur.ConfigMap(p.Namespace, name); ok {
				if out.Objects.ConfigMaps == nil {
					out.Objects.ConfigMaps = map[string]*corev1.ConfigMap{}
				}
				out.Objects.ConfigMaps[p.Namespace+"/"+name] = cm.DeepCopy()
			}
		}
		if name, ok := strings.CutPrefix(ref, manifest.ConfigVersionSecret); ok {
			if s, ok := cur.Secret(p.Namespace, name); ok {
				if out.Objects.Secrets == nil {
					out.Objects.Secrets = map[string]*corev1.Secret{}
				}
				out.Objects.Secrets[p.Namespace+"/"+name] = s.DeepCopy()
			}
		}
	}
	return out
}

// behind tells whether cur lacks the versions a new pod was made for, and which: the
// leader placed it from a newer store than this node's (the assignment can arrive before
// the object). A pod taken with older values would keep them for good, so it waits. An
// object this node has at the same version or a newer one (the pod is about to be
// replaced) does not hold it back.
func behind(p manifest.Pod, cur manifest.ConfigObjects) (string, bool) {
	for ref, want := range p.ConfigVersions {
		if want == "" {
			continue
		}
		have := ""
		if name, ok := strings.CutPrefix(ref, manifest.ConfigVersionConfigMap); ok {
			if cm, ok := cur.ConfigMap(p.Namespace, name); ok {
				have = cm.ResourceVersion
			}
		}
		if name, ok := strings.CutPrefix(ref, manifest.ConfigVersionSecret); ok {
			if s, ok := cur.Secret(p.Namespace, name); ok {
				have = s.ResourceVersion
			}
		}
		if have == want {
			continue
		}
		if have == "" || versionTime(have) < versionTime(want) {
			return ref, true
		}
	}
	return "", false
}

// versionTime is the Lamport time of a stored version ("TIME.NODE", store.FormatVersion);
// 0 when it does not read as one.
func versionTime(v string) uint64 {
	t, _, _ := strings.Cut(v, ".")
	n, err := strconv.ParseUint(t, 10, 64)
	if err != nil {
		return 0
	}
	return n
}

// loadPins reads the pins a previous run of the agent saved; none when the file does not
// exist.
func loadPins(path string) (map[string]pin, error) {
	b, err := os.ReadFile(path)
	if errors.Is(err, fs.ErrNotExist) {
		return map[string]pin{}, nil
	}
	if err != nil {
		return nil, fmt.Errorf("read pinned config %s: %w", path, err)
	}
	pins := map[string]pin{}
	if err := json.Unmarshal(b, &pins); err != nil {
		// The error of a JSON decode names types and offsets, never a value.
		return nil, fmt.Errorf("decode pinned config %s: %w", path, err)
	}
	return pins, nil
}

// savePins writes the pins, readable by the agent's user only (they hold Secrets' values),
// whole or not at all: a new file renamed over the old one.
func savePins(path string, pins map[string]pin) error {
	b, err := json.Marshal(pins)
	if err != nil {
		return fmt.Errorf("encode pinned config: %w", err)
	}
	tmp, err := os.CreateTemp(filepath.Dir(path), filepath.Base(path)+".tmp-")
	if err != nil {
		return fmt.Errorf("save pinned config: %w", err)
	}
	defer os.Remove(tmp.Name()) // gone once renamed; left over only on an error
	if err := tmp.Chmod(0o600); err != nil {
		tmp.Close()
		return fmt.Errorf("save pinned config: %w", err)
	}
	if _, err := tmp.Write(b); err != nil {
		tmp.Close()
		return fmt.Errorf("save pinned config: %w", err)
	}
	if err := tmp.Sync(); err != nil {
		tmp.Close()
		return fmt.Errorf("save pinned config: %w", err)
	}
	if err := tmp.Close(); err != nil {
		return fmt.Errorf("save pinned config: %w", err)
	}
	if err := os.Rename(tmp.Name(), path); err != nil {
		return fmt.Errorf("save pinned config: %w", err)
	}
	return nil
}
