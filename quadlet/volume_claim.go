package quadlet

import (
	"fmt"
	"path"
	"strings"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/util/validation"
)

// A persistentVolumeClaim volume is a podman named volume that belongs to the claim, not
// to the pod: named after the claim's namespace and name, so that every pod of the claim
// on its node, one after the other in a rollout or side by side, mounts the same data,
// and the data outlives them all. Each pod still writes its own .volume unit for each of
// its claims (the reconciler keeps a pod's units together, and Quadlet makes a container
// wait for the volume's service), but that unit's file name says that the volume is a
// claim's, and which, so the reconciler never deletes the volume with the pod: it goes
// when the claim is deleted.

// claimSuffix ends the name of a claim's volume unit: a fourth part, which no emptyDir's
// unit (three parts) has.
const claimSuffix = nameSep + "claim"

// ClaimVolumeLabel is the podman label a claim's volume carries: the claim's key
// ("namespace/name"), for `podman volume ls --filter label=...`.
const ClaimVolumeLabel = "io.podman-swarm.claim"

// ClaimVolumeName is the name of the podman volume that holds a claim's data on its node:
// "swarm-<namespace>_<claim>". Every other podman volume the package names has three
// parts, so it cannot be another's.
func ClaimVolumeName(namespace, claim string) string {
	return NamePrefix + namespace + nameSep + claim
}

// ClaimUnitName is the file name of the .volume unit a pod writes for a claim it uses.
func ClaimUnitName(namespace, pod, claim string) string {
	return PodName(namespace, pod) + nameSep + claim + claimSuffix + ExtVolume
}

// ClaimServiceName is the systemd service (a oneshot) that creates, if it is missing, the
// volume of a claim a pod uses.
func ClaimServiceName(namespace, pod, claim string) string {
	return PodName(namespace, pod) + nameSep + claim + claimSuffix + volumeServiceSuffix + ".service"
}

// claimRef names a pod's unit for a claim. It has no PodmanVolume: the volume is the
// claim's, which the pod's going leaves alone.
func claimRef(namespace, pod, claim string) UnitRef {
	return UnitRef{
		Name: ClaimUnitName(namespace, pod, claim), Kind: KindVolume,
		Namespace: namespace, Pod: pod, Claim: claim,
		Service: ClaimServiceName(namespace, pod, claim),
	}
}

// parseClaimUnit tells the parts of a claim volume unit's name ("swarm-" cut off, without
// the extension).
func parseClaimUnit(parts []string) (UnitRef, bool) {
	if len(parts) != 4 || nameSep+parts[3] != claimSuffix {
		return UnitRef{}, false
	}
	return claimRef(parts[0], parts[1], parts[2]), true
}

// checkClaim checks a persistentVolumeClaim volume: it has no other type and names a
// claim, as Kubernetes requires, whose unit name fits.
func (r *renderer) checkClaim(p string, v *corev1.Volume) error {
	c, volume := v.PersistentVolumeClaim, v.Name
	if c == nil {
		return nil
	}
	if v.EmptyDir != nil || v.HostPath != nil || isConfigVolume(v) {
		return fieldError(strings.TrimSuffix(p, ".persistentVolumeClaim"), "volume %q has two types, persistentVolumeClaim and another", volume)
	}
	if c.ClaimName == "" {
		return fieldError(p+".claimName", "Required value")
	}
	if msgs := validation.IsDNS1123Subdomain(c.ClaimName); len(msgs) > 0 {
		return fieldError(p+".claimName", "%q is not a valid claim name: %s", c.ClaimName, strings.Join(msgs, "; "))
	}
	if n := ClaimServiceName(r.pod.Namespace, r.pod.Name, c.ClaimName); len(n) > maxUnitName {
		return fieldError(p+".claimName", "the unit name %s is %d characters long, more than systemd's %d; shorten the namespace, pod or claim name", n, len(n), maxUnitName)
	}
	return nil
}

// claimMount is the Volume= or Mount= value of a claim volume's mount: the claim's volume
// (through its unit, so that the container waits for it), read only when the mount or the
// volume says so. A subPath needs --mount, whose volume type takes one.
func claimMount(u *unitFile, mp string, m *corev1.VolumeMount, def volumeDef, ns, pod string) error {
	source := ClaimUnitName(ns, pod, def.claim.ClaimName)
	readOnly := m.ReadOnly || def.claim.ReadOnly
	if m.SubPath == "" {
		value := source + ":" + m.MountPath
		var opts []string
		if readOnly {
			opts = append(opts, "ro")
		}
		opts = append(opts, m.BindMountOptions...)
		if len(opts) > 0 {
			value += ":" + strings.Join(opts, ",")
		}
		v, err := rawValue(value)
		if err != nil {
			return fieldError(mp, "%q %v", value, err)
		}
		u.add("Container", "Volume", v)
		return nil
	}
	sub := path.Clean(m.SubPath)
	if path.IsAbs(sub) || sub == ".." || strings.HasPrefix(sub, "../") {
		return fieldError(mp+".subPath", "%q leaves the volume", m.SubPath)
	}
	if strings.ContainsAny(sub, ",=\"") {
		return fieldError(mp+".subPath", "%q holds ',', '=' or '\"', which podman's --mount cannot take", m.SubPath)
	}
	if strings.ContainsAny(m.MountPath, ",=\"") {
		return fieldError(mp+".mountPath", "%q holds ',', '=' or '\"', which podman's --mount cannot take with a subPath", m.MountPath)
	}
	value := "type=volume,source=" + source + ",destination=" + m.MountPath + ",subpath=" + sub
	if readOnly {
		value += ",ro=true"
	}
	for _, o := range m.BindMountOptions {
		value += "," + o
	}
	v, err := rawValue(value)
	if err != nil {
		return fieldError(mp, "%q %v", value, err)
	}
	u.add("Container", "Mount", v)
	return nil
}

// claimUnits are the .volume units of the claims a pod uses, one per claim: each creates
// the claim's podman volume unless it is there already, labelled with the claim.
func (r *renderer) claimUnits() []Unit {
	ns, pod := r.pod.Namespace, r.pod.Name
	var units []Unit
	seen := map[string]bool{}
	for _, v := range r.pod.Spec.Volumes {
		c := r.volumes[v.Name].claim
		if c == nil || seen[c.ClaimName] {
			continue
		}
		seen[c.ClaimName] = true
		u := r.newUnit(fmt.Sprintf("pod %s, claim %s", r.pod.Key(), c.ClaimName))
		u.add("Volume", "VolumeName", ClaimVolumeName(ns, c.ClaimName))
		u.add("Volume", "Label", ClaimVolumeLabel+"="+ns+"/"+c.ClaimName)
		u.add("Volume", "ServiceName", strings.TrimSuffix(ClaimServiceName(ns, pod, c.ClaimName), ".service"))
		units = append(units, Unit{UnitRef: claimRef(ns, pod, c.ClaimName), Text: u.text()})
	}
	return units
}
