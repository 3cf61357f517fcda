package quadlet

import (
	"fmt"
	"slices"

	corev1 "k8s.io/api/core/v1"

	"github.com/podman-swarm/podman-swarm/manifest"
)

// Render turns one pod into its Quadlet units: a .pod unit, one .container unit per init
// container and container, one .volume unit per emptyDir volume and one per claim the pod
// uses (whose podman volume is the claim's, see ClaimVolumeName). It is pure: the same
// pod and options always give the same text. Fields that it ignores on purpose come back as
// warnings; a pod it cannot run as written is an error naming the field.
func Render(p manifest.Pod, o Options) (Result, error) {
	if o.SwarmBinary == "" {
		o.SwarmBinary = DefaultSwarmBinary
	}
	r := &renderer{pod: p, opts: o}
	units, err := r.render()
	if err != nil {
		return Result{}, err
	}
	res := Result{Units: units, Warnings: r.warnings, Secrets: r.secrets, ConfigVolumes: r.configVolumes}
	if reason := manifest.MissingConfigFrom(p.Namespace, &p.Spec, r.createdLookup(), r.configLookup()); reason != "" {
		return res, &MissingError{Reason: reason}
	}
	return res, nil
}

// renderer carries one Render call: the pod, the options and the warnings so far.
type renderer struct {
	pod      manifest.Pod
	opts     Options
	warnings []Warning
	// volumes maps each volume's name to its definition, for the mounts.
	volumes map[string]volumeDef
	// secrets and configVolumes are what the node makes for the units (see Result).
	secrets       []PodmanSecret
	configVolumes []ConfigVolume
}

func (r *renderer) warn(path, format string, args ...any) {
	r.warnings = append(r.warnings, Warning{Path: path, Message: fmt.Sprintf(format, args...)})
}

// containerAt is a container with its field path and role in the pod.
type containerAt struct {
	c    *corev1.Container
	path string
	init bool
}

func (r *renderer) render() ([]Unit, error) {
	spec := &r.pod.Spec
	names := podNames{namespace: r.pod.Namespace, pod: r.pod.Name}
	var all []containerAt
	for i := range spec.InitContainers {
		all = append(all, containerAt{&spec.InitContainers[i], fmt.Sprintf("spec.initContainers[%d]", i), true})
	}
	for i := range spec.Containers {
		all = append(all, containerAt{&spec.Containers[i], fmt.Sprintf("spec.containers[%d]", i), false})
	}
	for _, c := range all {
		names.containers = append(names.containers, namedAt{c.c.Name, c.path})
	}
	for i, v := range spec.Volumes {
		names.volumes = append(names.volumes, namedAt{v.Name, fmt.Sprintf("spec.volumes[%d]", i)})
	}
	if err := checkNames(names); err != nil {
		return nil, err
	}
	if len(spec.Containers) == 0 {
		return nil, fieldError("spec.containers", "a pod needs at least one container")
	}
	if err := r.checkFields("spec", spec, podSpecRules); err != nil {
		return nil, err
	}
	if err := r.collectVolumes(); err != nil {
		return nil, err
	}
	pod, err := r.podUnit()
	if err != nil {
		return nil, err
	}
	units := []Unit{pod}
	// Init containers start one after the other, and the containers after the last of
	// them; a container needs every plain init container before it to have succeeded
	// (a sidecar only to have started).
	var o order
	for _, c := range all {
		u, err := r.containerUnit(c, o)
		if err != nil {
			return nil, err
		}
		units = append(units, u)
		if c.init {
			o.after = u.Service
			if !c.isSidecar() {
				o.requires = append(slices.Clip(o.requires), o.after)
			}
		}
	}
	return append(units, r.volumeUnits()...), nil
}

// newUnit starts a unit of this pod with the marker that says it is ours.
func (r *renderer) newUnit(description string) *unitFile {
	u := &unitFile{header: Marker + " " + r.pod.Key() + " (written by the podman-swarm agent, which replaces any change)"}
	u.add("Unit", "Description", "podman-swarm "+description)
	u.add("Unit", MarkerKey, r.pod.Key())
	return u
}
