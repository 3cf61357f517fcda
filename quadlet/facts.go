package quadlet

import "strings"

// Kind is what a unit makes: a podman pod, a container or a volume.
type Kind string

// The kinds of unit Render writes, each with its file extension (ExtPod, ExtContainer,
// ExtVolume).
const (
	KindPod       Kind = "pod"
	KindContainer Kind = "container"
	KindVolume    Kind = "volume"
)

// UnitRef is what a unit's file name tells: whose unit it is, what it makes and the names
// systemd and podman know it by. A rendered Unit carries it; ParseUnitName gives it back for
// a file that only has its name, such as one left in the Quadlet folder by an earlier run.
type UnitRef struct {
	// Name is the file name, e.g. "swarm-default_web_app.container".
	Name string
	Kind Kind
	// Namespace and Pod name the pod the unit belongs to.
	Namespace string
	Pod       string
	// Container is the container's name in the pod spec, for a container unit.
	Container string
	// Volume is the volume's name in the pod spec, for a volume unit.
	Volume string
	// Service is the systemd service the unit becomes, e.g. "swarm-default_web_app.service".
	Service string
	// PodmanVolume is the podman volume a volume unit creates (VolumeName), which outlives
	// the unit: the reconciler deletes it with the pod. It is "" for a claim's unit.
	PodmanVolume string
	// Claim is the PersistentVolumeClaim whose volume a volume unit creates (named by
	// ClaimVolumeName, in the pod's namespace); that volume is the claim's, and outlives the
	// pod. "" for any other unit.
	Claim string
}

// Unit is one unit file to write into the Quadlet folder, with the facts about it that the
// reconciler needs, so that it never has to read the text back. The facts come from the
// values the text is written from.
type Unit struct {
	UnitRef
	// Text is the whole content of the file.
	Text string

	// The rest is set for a container unit only.

	// Init is set for an init container that runs to its end before the containers start
	// (a oneshot service); not for a sidecar, which keeps running beside them.
	Init bool
	// Restart is the service's Restart=: "always", "on-failure" or "no".
	Restart string
	// Health is set when the container has a podman health check: its livenessProbe, which
	// gets it killed (and restarted by systemd) when it fails. It does not decide readiness.
	Health bool
	// Liveness, Readiness and Startup are the container's probes, resolved; nil for a probe
	// it does not have. The node's agent runs Readiness and Startup (podman runs Startup too,
	// in front of the liveness check, when both are set); Liveness is podman's health check.
	Liveness, Readiness, Startup *Probe
	// Image is the container's image as the pod names it, and Pull the unit's Pull=
	// ("always", "missing" or "never"), from the pull policy.
	Image string
	Pull  string
	// PreStop is the container's preStop hook, resolved; nil when it has none to run.
	PreStop *Hook
}

// podRef, containerRef and volumeRef name the units of a pod; Render and ParseUnitName both
// build their UnitRefs with them, so a file name always tells what its rendered unit says.
func podRef(namespace, pod string) UnitRef {
	return UnitRef{
		Name: PodUnitName(namespace, pod), Kind: KindPod, Namespace: namespace, Pod: pod,
		Service: PodServiceName(namespace, pod),
	}
}

func containerRef(namespace, pod, container string) UnitRef {
	return UnitRef{
		Name: ContainerUnitName(namespace, pod, container), Kind: KindContainer,
		Namespace: namespace, Pod: pod, Container: container,
		Service: ContainerServiceName(namespace, pod, container),
	}
}

func volumeRef(namespace, pod, volume string) UnitRef {
	return UnitRef{
		Name: VolumeUnitName(namespace, pod, volume), Kind: KindVolume,
		Namespace: namespace, Pod: pod, Volume: volume,
		Service:      VolumeServiceName(namespace, pod, volume),
		PodmanVolume: VolumeName(namespace, pod, volume),
	}
}

// ParseUnitName tells what a unit file name made by this package stands for. It reports
// false for any other file name, so it also tells the reconciler which files in the Quadlet
// folder may be ours (the marker inside the file, see Owner, is the proof).
func ParseUnitName(file string) (UnitRef, bool) {
	rest, ok := strings.CutPrefix(file, NamePrefix)
	if !ok {
		return UnitRef{}, false
	}
	var kind Kind
	for _, k := range []struct {
		kind Kind
		ext  string
	}{{KindPod, ExtPod}, {KindContainer, ExtContainer}, {KindVolume, ExtVolume}} {
		if base, ok := strings.CutSuffix(rest, k.ext); ok {
			kind, rest = k.kind, base
			break
		}
	}
	parts := strings.Split(rest, nameSep)
	for _, p := range parts {
		if p == "" {
			return UnitRef{}, false
		}
	}
	switch {
	case kind == KindPod && len(parts) == 2:
		return podRef(parts[0], parts[1]), true
	case kind == KindContainer && len(parts) == 3:
		return containerRef(parts[0], parts[1], parts[2]), true
	case kind == KindVolume && len(parts) == 3:
		return volumeRef(parts[0], parts[1], parts[2]), true
	case kind == KindVolume:
		return parseClaimUnit(parts)
	}
	return UnitRef{}, false
}
