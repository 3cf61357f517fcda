package quadlet

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io/fs"
	"path/filepath"

	"github.com/podman-swarm/podman-swarm/manifest"
)

// DefaultConfigDir is where configMap volumes are written on a node when
// Options.ConfigDir is empty (an offline render shows it).
const DefaultConfigDir = "/var/lib/podman-swarm/config"

// PodmanSecret is one value of a Secret as the pod's units name it: a secret in podman's
// own store that the node creates (from standard input, never on a command line) before
// the pod starts. The name carries the Secret's namespace, name, key and stored version,
// so that a new value gets a new name, and so new units.
type PodmanSecret struct {
	Name string
	Data []byte
}

// String names the secret and hides its value, so that it never reaches a log by accident.
func (s PodmanSecret) String() string { return fmt.Sprintf("%s (%d bytes)", s.Name, len(s.Data)) }

// GoString hides the value from %#v too.
func (s PodmanSecret) GoString() string { return "quadlet.PodmanSecret{" + s.String() + "}" }

// ConfigVolume is a configMap volume as the node writes it: the folder bind-mounted
// read-only into the containers, and the files in it. The node writes them as the kubelet
// does (a versioned folder behind a ..data link that is swapped at once), so that running
// containers see a change of the ConfigMap within seconds, without a restart.
type ConfigVolume struct {
	Dir   string
	Files []ConfigFile
}

// ConfigFile is one file of a configMap volume: its path inside the volume, its content and
// its mode.
type ConfigFile struct {
	Path string
	Data []byte
	Mode fs.FileMode
}

// MissingError is why a pod cannot start yet: a ConfigMap or Secret it needs (or a key of
// one) is missing, in the kubelet's words (its reason CreateContainerConfigError). Render
// returns it only when the pod is otherwise sound, so that a check that does not know the
// cluster's objects (Check) can tell it apart from a pod that can never run.
type MissingError struct{ Reason string }

func (e *MissingError) Error() string { return "CreateContainerConfigError: " + e.Reason }

// maxSecretName is the longest name podman gives a secret.
const maxSecretName = 253

// SecretName is the podman secret that holds key of the Secret namespace/name as stored at
// version (its resourceVersion on a node). The version is hashed: the name tells nothing of
// the value.
func SecretName(namespace, name, key, version string) string {
	v := shortHash(namespace + "/" + name + "\x00" + version)
	n := NamePrefix + namespace + "_" + name + "_" + key + "_" + v
	if len(n) > maxSecretName {
		n = NamePrefix + namespace + "_" + shortHash(name+"/"+key) + "_" + v
	}
	return n
}

func shortHash(s string) string {
	h := sha256.Sum256([]byte(s))
	return hex.EncodeToString(h[:6])
}

// ConfigVolumeDir is the folder of a pod's configMap volume under the node's config folder.
func ConfigVolumeDir(configDir, namespace, pod, volume string) string {
	if configDir == "" {
		configDir = DefaultConfigDir
	}
	return filepath.Join(configDir, PodName(namespace, pod), volume)
}

// ConfigDataDir is the link inside a configMap volume's folder that points at the current
// version of its files; a subPath mount goes through it, and so keeps the version it found
// when the container started, as in Kubernetes.
const ConfigDataDir = "..data"

// configLookup is where the renderer finds the pod's ConfigMaps and Secrets: the options',
// or none.
func (r *renderer) configLookup() manifest.ConfigLookup {
	if r.opts.Config == nil {
		return manifest.ConfigObjects{}
	}
	return r.opts.Config
}

// createdLookup is where the renderer finds what the pod's containers take when they are
// created (env, envFrom, secret volumes): what the node pinned for the pod
// (Options.Pinned), else the options' objects.
func (r *renderer) createdLookup() manifest.ConfigLookup {
	if r.opts.Pinned != nil {
		if l := r.opts.Pinned(r.pod.Namespace, r.pod.Name); l != nil {
			return l
		}
	}
	return r.configLookup()
}
