package quadlet

import (
	"strings"

	"k8s.io/apimachinery/pkg/util/validation"
)

// Every name the package makes starts with NamePrefix and joins the pod's namespace, the
// pod and (for containers and volumes) the container or volume with nameSep. Kubernetes
// names never contain nameSep, so a name is unique and splits back into its parts.
const (
	// NamePrefix starts the name of every unit file, systemd service, podman pod, container
	// and volume that Render makes, so that the reconciler can watch and list only those.
	NamePrefix = "swarm-"
	nameSep    = "_"
)

// Unit file extensions, the kinds of unit Render writes.
const (
	ExtPod       = ".pod"
	ExtContainer = ".container"
	ExtVolume    = ".volume"
)

// volumeServiceSuffix ends a volume unit's service name. Quadlet's default suffix ("-volume")
// could make volume "data" and container "data-volume" of one pod share a service name;
// nameSep never occurs in a container name, so this cannot.
const volumeServiceSuffix = nameSep + "volume"

// maxUnitName is systemd's limit on a unit name (UNIT_NAME_MAX without the NUL), which is
// also under the file name limit of common file systems.
const maxUnitName = 255

// PodName is the name of a pod's podman pod and of its systemd service (without ".service"):
// "swarm-<namespace>_<pod>", so that `systemctl --user status swarm-<namespace>_<pod>` finds it.
func PodName(namespace, pod string) string {
	return NamePrefix + namespace + nameSep + pod
}

// PodUnitName is the file name of a pod's Quadlet .pod unit.
func PodUnitName(namespace, pod string) string { return PodName(namespace, pod) + ExtPod }

// PodServiceName is the systemd service that runs a pod (set with ServiceName= in its .pod unit).
func PodServiceName(namespace, pod string) string { return PodName(namespace, pod) + ".service" }

// ContainerName is the name of a container's podman container and of its systemd service
// (without ".service"): "swarm-<namespace>_<pod>_<container>", so that
// `journalctl --user -u swarm-<namespace>_<pod>_<container>` shows its output.
func ContainerName(namespace, pod, container string) string {
	return PodName(namespace, pod) + nameSep + container
}

// ContainerUnitName is the file name of a container's Quadlet .container unit.
func ContainerUnitName(namespace, pod, container string) string {
	return ContainerName(namespace, pod, container) + ExtContainer
}

// ContainerServiceName is the systemd service that runs a container.
func ContainerServiceName(namespace, pod, container string) string {
	return ContainerName(namespace, pod, container) + ".service"
}

// VolumeName is the name of the podman volume that holds a pod's emptyDir volume. The
// reconciler removes it with the pod.
func VolumeName(namespace, pod, volume string) string {
	return PodName(namespace, pod) + nameSep + volume
}

// VolumeUnitName is the file name of the Quadlet .volume unit that creates a pod's emptyDir.
func VolumeUnitName(namespace, pod, volume string) string {
	return VolumeName(namespace, pod, volume) + ExtVolume
}

// VolumeServiceName is the systemd service (a oneshot) that creates a pod's emptyDir volume.
func VolumeServiceName(namespace, pod, volume string) string {
	return VolumeName(namespace, pod, volume) + volumeServiceSuffix + ".service"
}

// checkNames refuses names that would not make safe, unique unit and podman names: the
// namespace, container and volume names must be DNS labels and the pod name a DNS subdomain,
// as Kubernetes requires, and the longest unit name must fit systemd's limit.
func checkNames(p podNames) error {
	if msgs := validation.IsDNS1123Label(p.namespace); len(msgs) > 0 {
		return fieldError("metadata.namespace", "%q is not a valid namespace name: %s", p.namespace, strings.Join(msgs, "; "))
	}
	if msgs := validation.IsDNS1123Subdomain(p.pod); len(msgs) > 0 {
		return fieldError("metadata.name", "%q is not a valid pod name: %s", p.pod, strings.Join(msgs, "; "))
	}
	for _, c := range p.containers {
		if msgs := validation.IsDNS1123Label(c.name); len(msgs) > 0 {
			return fieldError(c.path+".name", "%q is not a valid container name: %s", c.name, strings.Join(msgs, "; "))
		}
		if n := ContainerUnitName(p.namespace, p.pod, c.name); len(n) > maxUnitName {
			return fieldError(c.path+".name", "the unit name %s is %d characters long, more than systemd's %d; shorten the namespace, pod or container name", n, len(n), maxUnitName)
		}
	}
	for _, v := range p.volumes {
		if msgs := validation.IsDNS1123Label(v.name); len(msgs) > 0 {
			return fieldError(v.path+".name", "%q is not a valid volume name: %s", v.name, strings.Join(msgs, "; "))
		}
		if n := VolumeServiceName(p.namespace, p.pod, v.name); len(n) > maxUnitName {
			return fieldError(v.path+".name", "the unit name %s is %d characters long, more than systemd's %d; shorten the namespace, pod or volume name", n, len(n), maxUnitName)
		}
	}
	return nil
}

// podNames is what checkNames needs to know about a pod.
type podNames struct {
	namespace, pod string
	containers     []namedAt
	volumes        []namedAt
}

// namedAt is a name and the field path it came from.
type namedAt struct {
	name, path string
}
