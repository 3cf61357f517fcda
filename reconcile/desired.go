package reconcile

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"slices"

	"github.com/podman-swarm/podman-swarm/manifest"
	"github.com/podman-swarm/podman-swarm/quadlet"
)

// DesiredPod is one pod this node should run, as unit files.
type DesiredPod struct {
	// Key is the pod's key, "namespace/name".
	Key string
	// Units maps each unit file name to its text.
	Units map[string]string
	// Fingerprint is a hash of every file name and text: two pods with the same
	// fingerprint have the same units.
	Fingerprint string
	// PodService is the systemd service that runs the pod.
	PodService string
	// Containers are the pod's containers in the order they start (init containers first).
	Containers []ContainerSpec
	// Ports are the ports the pod publishes on the node.
	Ports []manifest.PublishedPort
	// TemplateHash is the template hash of the pod these units run (manifest.Pod's; ""
	// for a bare Pod): what tells its status from that of an earlier pod of the same name
	// (a StatefulSet's pod replaced by a rolling update).
	TemplateHash string
}

// ContainerSpec is what the loop needs to know about one container: the facts quadlet
// gives with its unit.
type ContainerSpec struct {
	// Name is the container's name in the pod spec.
	Name string
	// Service is its systemd service.
	Service string
	// Init is set for an init container that runs to its end (not for a sidecar).
	Init bool
	// Restart is systemd's Restart= for it: "always", "on-failure" or "no".
	Restart string
	// Health is set when the container has podman's health check (its livenessProbe), which
	// gets it killed and restarted when it fails; it does not decide readiness.
	Health bool
	// Liveness, Readiness and Startup are its probes as quadlet resolved them, nil for one it
	// does not have. The agent runs Readiness and Startup; they gate its readiness (see
	// ContainerSpec.Gated).
	Liveness, Readiness, Startup *quadlet.Probe
	// Image is the container's image as the pod names it, and Pull the unit's Pull=
	// ("always", "missing" or "never"), for error messages.
	Image string
	Pull  string
	// PreStop is the container's preStop hook, which the agent runs before the pod stops
	// when it leaves the node; nil when it has none to run.
	PreStop *quadlet.Hook
}

// Gated tells whether the container's readiness is up to the agent's probes: it has a
// readinessProbe or a startupProbe.
func (c ContainerSpec) Gated() bool { return c.Readiness != nil || c.Startup != nil }

// KeepsRunning tells whether systemd must keep the container's service active as long as
// the pod runs: a container (or sidecar) that restarts always.
func (c ContainerSpec) KeepsRunning() bool { return !c.Init && c.Restart == "always" }

// Desire renders a pod into the units this node writes for it.
func Desire(p manifest.Pod, o quadlet.Options) (DesiredPod, []quadlet.Warning, error) {
	res, err := quadlet.Render(p, o)
	if err != nil {
		return DesiredPod{}, nil, fmt.Errorf("render pod %s: %w", p.Key(), err)
	}
	d := NewDesiredPod(p.Key(), res.Units)
	d.Ports = publishedPorts(p, o.Pod)
	d.TemplateHash = p.TemplateHash
	return d, res.Warnings, nil
}

// publishedPorts are the ports the pod publishes on the node: with a network of its own,
// each port without a hostPort on the node port picked for it (Render refused a pod with
// one missing).
func publishedPorts(p manifest.Pod, n *quadlet.PodNetwork) []manifest.PublishedPort {
	ports := manifest.PublishedPorts(&p.Spec)
	if n == nil {
		return ports
	}
	for i, pp := range ports {
		if !pp.Explicit {
			ports[i].HostPort = n.NodePorts[quadlet.PortKey{Port: pp.ContainerPort, Protocol: pp.Protocol}]
		}
	}
	return ports
}

// NewDesiredPod builds a desired pod from its rendered units, in the order Render gives
// them: the .pod unit, then the containers in start order, then the volumes. What it knows
// of each unit comes from the unit's facts; the text is only written and compared.
func NewDesiredPod(key string, units []quadlet.Unit) DesiredPod {
	d := DesiredPod{Key: key, Units: make(map[string]string, len(units))}
	for _, u := range units {
		d.Units[u.Name] = u.Text
		switch u.Kind {
		case quadlet.KindPod:
			d.PodService = u.Service
		case quadlet.KindContainer:
			d.Containers = append(d.Containers, ContainerSpec{
				Name:      u.Container,
				Service:   u.Service,
				Init:      u.Init,
				Restart:   u.Restart,
				Health:    u.Health,
				Liveness:  u.Liveness,
				Readiness: u.Readiness,
				Startup:   u.Startup,
				Image:     u.Image,
				Pull:      u.Pull,
				PreStop:   u.PreStop,
			})
		}
	}
	d.Fingerprint = fingerprint(d.Units)
	return d
}

// DesiredPods are the pods the loop was last given that it could render, in key order: what
// the agent's prober reads the containers' probes from.
func (r *Reconciler) DesiredPods() []DesiredPod {
	d, _ := r.snapshot()
	return d
}

// Services lists the services that starting the pod starts: the pod's service, then every
// container's. The pod's service pulls its containers in too, but starting each one is what
// lets the loop wait for every container's start job and see which one failed.
func (d DesiredPod) Services() []string {
	out := []string{d.PodService}
	for _, c := range d.Containers {
		out = append(out, c.Service)
	}
	return out
}

// fingerprint hashes file names and texts in name order.
func fingerprint(units map[string]string) string {
	names := make([]string, 0, len(units))
	for n := range units {
		names = append(names, n)
	}
	slices.Sort(names)
	h := sha256.New()
	for _, n := range names {
		// Lengths first, so that no two different sets of files hash alike.
		fmt.Fprintf(h, "%d:%s%d:%s", len(n), n, len(units[n]), units[n])
	}
	return hex.EncodeToString(h.Sum(nil))[:16]
}

// serviceOf is the systemd service a unit file of ours turns into; "" for a file name that
// quadlet did not make. The plan goes by file name, since a file on disk may be left from
// an earlier run with nothing else known of it.
func serviceOf(file string) string {
	ref, _ := quadlet.ParseUnitName(file)
	return ref.Service
}

// volumeOf is the podman volume a .volume file of ours creates; "" for any other file.
func volumeOf(file string) string {
	ref, _ := quadlet.ParseUnitName(file)
	return ref.PodmanVolume
}
