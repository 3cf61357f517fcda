package quadlet

import (
	"fmt"
	"path"
	"reflect"
	"slices"
	"strings"

	corev1 "k8s.io/api/core/v1"
)

// volumeDef is one of the pod's volumes as the mounts use it.
type volumeDef struct {
	path string // the field path, spec.volumes[i]
	// Exactly one of these is set.
	emptyDir *corev1.EmptyDirVolumeSource
	hostPath *corev1.HostPathVolumeSource
	claim    *corev1.PersistentVolumeClaimVolumeSource // see volume_claim.go
	config   *configVolume                             // configMap and secret volumes: volume_config.go
}

// collectVolumes checks the pod's volumes: only emptyDir (also when no source is given, as
// in Kubernetes), hostPath, configMap, secret and persistentVolumeClaim can be honoured;
// any other type refuses the pod.
func (r *renderer) collectVolumes() error {
	r.volumes = map[string]volumeDef{}
	for i := range r.pod.Spec.Volumes {
		v := &r.pod.Spec.Volumes[i]
		p := fmt.Sprintf("spec.volumes[%d]", i)
		for _, f := range setFields(reflect.ValueOf(v)) {
			if rule, ok := volumeRules.fields[f]; !ok || rule.how == refused {
				return fieldError(p+"."+f, "volume %q has type %s, which is not supported; only emptyDir, hostPath, configMap, secret and persistentVolumeClaim volumes are", v.Name, f)
			}
		}
		if v.HostPath != nil && v.EmptyDir != nil {
			return fieldError(p, "volume %q has two types, hostPath and emptyDir", v.Name)
		}
		if _, dup := r.volumes[v.Name]; dup {
			return fieldError(p+".name", "volume %q is defined twice", v.Name)
		}
		def := volumeDef{path: p, emptyDir: v.EmptyDir, hostPath: v.HostPath, claim: v.PersistentVolumeClaim}
		switch {
		case v.PersistentVolumeClaim != nil:
			if err := r.checkClaim(p+".persistentVolumeClaim", v); err != nil {
				return err
			}
		case isConfigVolume(v):
			cv, err := r.collectConfigVolume(v, p)
			if err != nil {
				return err
			}
			def = volumeDef{path: p, config: cv}
		case v.HostPath != nil:
			if err := r.checkHostPath(p+".hostPath", v.HostPath); err != nil {
				return err
			}
		case v.EmptyDir != nil:
			if err := r.checkEmptyDir(p+".emptyDir", v.EmptyDir); err != nil {
				return err
			}
		default:
			def.emptyDir = &corev1.EmptyDirVolumeSource{}
		}
		r.volumes[v.Name] = def
	}
	return nil
}

func (r *renderer) checkHostPath(p string, h *corev1.HostPathVolumeSource) error {
	if err := r.checkFields(p, h, hostPathRules); err != nil {
		return err
	}
	if err := checkMountPath(h.Path); err != nil {
		return fieldError(p+".path", "%q %v", h.Path, err)
	}
	if h.Type != nil {
		switch *h.Type {
		case corev1.HostPathDirectoryOrCreate, corev1.HostPathFileOrCreate:
			r.warn(p+".type", "%s is not honoured: podman does not create the path, it must exist", *h.Type)
		case corev1.HostPathUnset, corev1.HostPathDirectory, corev1.HostPathFile, corev1.HostPathSocket,
			corev1.HostPathCharDev, corev1.HostPathBlockDev:
			// podman refuses to start when the path is missing, close enough to Kubernetes'
			// check of the type.
		default:
			return fieldError(p+".type", "%q is not a hostPath type", *h.Type)
		}
	}
	return nil
}

func (r *renderer) checkEmptyDir(p string, e *corev1.EmptyDirVolumeSource) error {
	if err := r.checkFields(p, e, emptyDirRules); err != nil {
		return err
	}
	switch e.Medium {
	case corev1.StorageMediumDefault:
		if e.SizeLimit != nil {
			r.warn(p+".sizeLimit", "%s (only a memory emptyDir has a size limit)", unsupportedIgnored)
		}
	case corev1.StorageMediumMemory:
		if e.SizeLimit != nil && e.SizeLimit.Value() <= 0 {
			return fieldError(p+".sizeLimit", "%s is not a positive size", e.SizeLimit)
		}
	default:
		return fieldError(p+".medium", "%q is not supported; only the default medium and Memory are", e.Medium)
	}
	return nil
}

// checkMountPath refuses a path that cannot be one part of podman's -v src:dst:options.
func checkMountPath(p string) error {
	if _, err := rawValue(p); err != nil {
		return err
	}
	switch {
	case !strings.HasPrefix(p, "/"):
		return fmt.Errorf("is not an absolute path")
	case strings.Contains(p, ":"):
		return fmt.Errorf("holds ':', which separates the parts of a podman volume")
	}
	return nil
}

// bindMountOptions are the volumeMounts[].bindMountOptions that podman's -v also takes.
var bindMountOptions = []string{"noexec", "nodev", "nosuid"}

// mounts writes one Volume= per volumeMount: a hostPath as a bind mount, an emptyDir as
// the pod's podman volume (created by its .volume unit).
func (r *renderer) mounts(u *unitFile, c *corev1.Container, p string) error {
	for i := range c.VolumeMounts {
		m := &c.VolumeMounts[i]
		mp := fmt.Sprintf("%s.volumeMounts[%d]", p, i)
		if err := r.checkFields(mp, m, volumeMountRules); err != nil {
			return err
		}
		def, ok := r.volumes[m.Name]
		if !ok {
			return fieldError(mp+".name", "no volume %q in spec.volumes", m.Name)
		}
		if err := checkMountPath(m.MountPath); err != nil {
			return fieldError(mp+".mountPath", "%q %v", m.MountPath, err)
		}
		var source string
		switch {
		case def.claim != nil:
			if err := r.checkBindMountOptions(mp, m); err != nil {
				return err
			}
			if err := claimMount(u, mp, m, def, r.pod.Namespace, r.pod.Name); err != nil {
				return err
			}
			continue
		case def.config != nil:
			if err := r.configMount(u, m, mp, def.config); err != nil {
				return err
			}
			continue
		case def.hostPath != nil:
			source = def.hostPath.Path
			if m.SubPath != "" {
				sub := path.Clean(m.SubPath)
				if path.IsAbs(sub) || sub == ".." || strings.HasPrefix(sub, "../") {
					return fieldError(mp+".subPath", "%q leaves the volume", m.SubPath)
				}
				source = path.Join(source, sub)
				if err := checkMountPath(source); err != nil {
					return fieldError(mp+".subPath", "%q %v", m.SubPath, err)
				}
			}
		default:
			if m.SubPath != "" {
				return fieldError(mp+".subPath", "not supported on emptyDir volume %q (podman mounts a whole volume)", m.Name)
			}
			source = VolumeUnitName(r.pod.Namespace, r.pod.Name, m.Name)
		}
		var opts []string
		if m.ReadOnly {
			opts = append(opts, "ro")
		}
		if err := r.checkBindMountOptions(mp, m); err != nil {
			return err
		}
		opts = append(opts, m.BindMountOptions...)
		value := source + ":" + m.MountPath
		if len(opts) > 0 {
			value += ":" + strings.Join(opts, ",")
		}
		v, err := rawValue(value)
		if err != nil {
			return fieldError(mp, "%q %v", value, err)
		}
		u.add("Container", "Volume", v)
	}
	return nil
}

// volumeUnits writes one .volume unit per emptyDir: a podman volume named after the pod and
// the volume, on tmpfs for medium Memory, which the reconciler removes with the pod; then
// one per claim the pod uses (claimUnits), whose volume stays.
func (r *renderer) volumeUnits() []Unit {
	var units []Unit
	for _, v := range r.pod.Spec.Volumes {
		def := r.volumes[v.Name]
		if def.emptyDir == nil {
			continue
		}
		ns, pod := r.pod.Namespace, r.pod.Name
		u := r.newUnit(fmt.Sprintf("pod %s, volume %s", r.pod.Key(), v.Name))
		u.add("Volume", "VolumeName", VolumeName(ns, pod, v.Name))
		u.add("Volume", "ServiceName", strings.TrimSuffix(VolumeServiceName(ns, pod, v.Name), ".service"))
		if def.emptyDir.Medium == corev1.StorageMediumMemory {
			u.add("Volume", "Device", "tmpfs")
			u.add("Volume", "Type", "tmpfs")
			if s := def.emptyDir.SizeLimit; s != nil {
				u.add("Volume", "Options", fmt.Sprintf("size=%d", s.Value()))
			}
		}
		units = append(units, Unit{UnitRef: volumeRef(ns, pod, v.Name), Text: u.text()})
	}
	return append(units, r.claimUnits()...)
}

// checkBindMountOptions refuses a bindMountOptions entry podman's mounts do not take.
func (r *renderer) checkBindMountOptions(mp string, m *corev1.VolumeMount) error {
	for j, o := range m.BindMountOptions {
		if !slices.Contains(bindMountOptions, o) {
			return fieldError(fmt.Sprintf("%s.bindMountOptions[%d]", mp, j), "%q is not one of %s", o, strings.Join(bindMountOptions, ", "))
		}
	}
	return nil
}
