package quadlet

import (
	"fmt"
	"io/fs"
	"maps"
	"path"
	"slices"
	"strings"

	corev1 "k8s.io/api/core/v1"
)

// defaultFileMode is Kubernetes' mode for the files of a configMap or secret volume.
const defaultFileMode = 0o644

// configVolume is a configMap or secret volume, resolved: its files, with the path of each
// inside the volume and its mode. A configMap volume is a folder the node writes; a secret
// volume is one podman secret per file, each mounted at its path.
type configVolume struct {
	dir   string // a configMap volume's folder on the node; "" for a secret volume
	files []configItem
}

type configItem struct {
	path   string
	mode   fs.FileMode
	secret string // the podman secret of a secret volume's file
}

// isConfigVolume tells whether a volume is a configMap or secret volume.
func isConfigVolume(v *corev1.Volume) bool { return v.ConfigMap != nil || v.Secret != nil }

// collectConfigVolume resolves a configMap or secret volume with the objects the options
// know. A missing object or key gives a volume without it: optional, or the pod is refused
// with a *MissingError once it is otherwise checked.
func (r *renderer) collectConfigVolume(v *corev1.Volume, p string) (*configVolume, error) {
	if v.HostPath != nil || v.EmptyDir != nil || (v.ConfigMap != nil && v.Secret != nil) {
		return nil, fieldError(p, "volume %q has more than one type", v.Name)
	}
	ns := r.pod.Namespace
	if c := v.ConfigMap; c != nil {
		p += ".configMap"
		if err := r.checkFields(p, c, configMapVolumeRules); err != nil {
			return nil, err
		}
		values := map[string][]byte{}
		if cm, ok := r.configLookup().ConfigMap(ns, c.Name); ok {
			for k, s := range cm.Data {
				values[k] = []byte(s)
			}
			maps.Copy(values, cm.BinaryData)
		}
		items, err := volumeItems(values, c.Items, c.DefaultMode, p)
		if err != nil {
			return nil, err
		}
		cv := &configVolume{dir: ConfigVolumeDir(r.opts.ConfigDir, ns, r.pod.Name, v.Name)}
		out := ConfigVolume{Dir: cv.dir}
		for _, it := range items {
			cv.files = append(cv.files, configItem{path: it.path, mode: it.mode})
			out.Files = append(out.Files, ConfigFile{Path: it.path, Data: values[it.key], Mode: it.mode})
		}
		r.configVolumes = append(r.configVolumes, out)
		return cv, nil
	}
	s := v.Secret
	p += ".secret"
	if err := r.checkFields(p, s, secretVolumeRules); err != nil {
		return nil, err
	}
	sec, ok := r.createdLookup().Secret(ns, s.SecretName)
	values := map[string][]byte{}
	if ok {
		values = sec.Data
	}
	items, err := volumeItems(values, s.Items, s.DefaultMode, p)
	if err != nil {
		return nil, err
	}
	cv := &configVolume{}
	for _, it := range items {
		cv.files = append(cv.files, configItem{path: it.path, mode: it.mode, secret: SecretName(ns, s.SecretName, it.key, sec.ResourceVersion)})
	}
	return cv, nil
}

type volumeItem struct {
	key, path string
	mode      fs.FileMode
}

// volumeItems are the files of a volume: every key under its own name, or the items, each
// key that exists under its path; with the item's mode, else defaultMode, else 0644.
func volumeItems(values map[string][]byte, items []corev1.KeyToPath, defaultMode *int32, p string) ([]volumeItem, error) {
	mode := fs.FileMode(defaultFileMode)
	if defaultMode != nil {
		mode = fs.FileMode(*defaultMode) & fs.ModePerm
	}
	var out []volumeItem
	if len(items) == 0 {
		for _, k := range slices.Sorted(maps.Keys(values)) {
			out = append(out, volumeItem{key: k, path: k, mode: mode})
		}
		return out, nil
	}
	for i, it := range items {
		ip := fmt.Sprintf("%s.items[%d]", p, i)
		clean := path.Clean(it.Path)
		if it.Path == "" || path.IsAbs(clean) || clean == ".." || strings.HasPrefix(clean, "../") || strings.HasPrefix(clean, "..") {
			return nil, fieldError(ip+".path", "%q is not a path inside the volume", it.Path)
		}
		if _, err := rawValue(clean); err != nil || strings.ContainsAny(clean, ":,") {
			return nil, fieldError(ip+".path", "%q cannot be a file of a volume (no control character, ':' or ',')", it.Path)
		}
		if _, ok := values[it.Key]; !ok {
			continue
		}
		m := mode
		if it.Mode != nil {
			m = fs.FileMode(*it.Mode) & fs.ModePerm
		}
		out = append(out, volumeItem{key: it.Key, path: clean, mode: m})
	}
	return out, nil
}

// configMount mounts a configMap or secret volume: a configMap's folder bind-mounted
// read-only (with subPath, the file or folder of the version current when the container
// starts, through ..data), a secret's files each as a podman secret at its path. Both are
// read-only, as in Kubernetes.
func (r *renderer) configMount(u *unitFile, m *corev1.VolumeMount, mp string, cv *configVolume) error {
	sub := ""
	if m.SubPath != "" {
		sub = path.Clean(m.SubPath)
		if path.IsAbs(sub) || sub == ".." || strings.HasPrefix(sub, "../") {
			return fieldError(mp+".subPath", "%q leaves the volume", m.SubPath)
		}
	}
	if cv.dir != "" {
		source := cv.dir
		if sub != "" {
			source = path.Join(cv.dir, ConfigDataDir, sub)
		}
		v, err := rawValue(source + ":" + m.MountPath + ":ro")
		if err != nil || strings.Contains(source, ":") {
			return fieldError(mp, "%q cannot be mounted (no control character or ':')", source)
		}
		u.add("Container", "Volume", v)
		return nil
	}
	if strings.Contains(m.MountPath, ",") {
		return fieldError(mp+".mountPath", "%q holds ',', which a podman secret's target cannot hold", m.MountPath)
	}
	for _, f := range cv.files {
		target := path.Join(m.MountPath, f.path)
		if sub != "" {
			rest, ok := strings.CutPrefix(f.path, sub)
			if !ok || rest != "" && !strings.HasPrefix(rest, "/") {
				continue
			}
			target = path.Join(m.MountPath, rest)
		}
		v, err := rawValue(fmt.Sprintf("%s,type=mount,target=%s,mode=%#o", f.secret, target, uint32(f.mode)))
		if err != nil {
			return fieldError(mp, "%v", err)
		}
		u.add("Container", "Secret", v)
		r.needSecretFile(f.secret)
	}
	return nil
}

// needSecretFile records the podman secret of a mounted file for the node to create.
func (r *renderer) needSecretFile(name string) {
	for _, have := range r.secrets {
		if have.Name == name {
			return
		}
	}
	ns := r.pod.Namespace
	for _, v := range r.pod.Spec.Volumes {
		if v.Secret == nil {
			continue
		}
		sec, ok := r.createdLookup().Secret(ns, v.Secret.SecretName)
		if !ok {
			continue
		}
		for key, data := range sec.Data {
			if SecretName(ns, v.Secret.SecretName, key, sec.ResourceVersion) == name {
				r.secrets = append(r.secrets, PodmanSecret{Name: name, Data: data})
				return
			}
		}
	}
}
