package reconcile

import (
	"context"
	"errors"
	"fmt"
	"io"
	"maps"
	"slices"
	"strings"
	"time"
)

// ErrNoPod is returned for a pod this node does not run.
var ErrNoPod = errors.New("the pod does not run on this node")

// PodDetail is what `swarm describe pod` shows of a pod, from the node that runs it.
type PodDetail struct {
	Key string
	// Status is the pod's last reported status.
	Status Status
	// Fingerprint identifies the units written for the pod.
	Fingerprint string
	// Units are the pod's units: the pod first, then its containers, then its volumes.
	Units []UnitDetail
}

// UnitDetail is one unit of a pod, as systemd has it now.
type UnitDetail struct {
	// File is the Quadlet file in the unit folder; Service the systemd service it makes.
	File    string
	Service string
	// Container is the container's name for a container unit.
	Container   string
	LoadState   string
	ActiveState string
	SubState    string
	Result      string
	// Since is when the unit last changed state.
	Since     time.Time
	NRestarts int
	MainPID   int
	// Journal holds the unit's last messages, oldest first.
	Journal []string
}

// describeLines is how many journal messages Describe shows per unit.
const describeLines = 5

// Describe reports a pod's units as systemd has them now, with their last messages.
func (r *Reconciler) Describe(ctx context.Context, podKey string) (PodDetail, error) {
	d, ok := r.desiredPod(podKey)
	if !ok {
		return PodDetail{}, fmt.Errorf("describe pod %s: %w", podKey, ErrNoPod)
	}
	st, _ := r.Status(podKey)
	files := podFiles(d)
	services := make([]string, len(files))
	for i, f := range files {
		services[i] = serviceOf(f)
	}
	units, err := r.cfg.Systemd.Units(ctx, services)
	if err != nil {
		return PodDetail{}, fmt.Errorf("describe pod %s: %w", podKey, err)
	}
	out := PodDetail{Key: podKey, Status: st, Fingerprint: d.Fingerprint}
	for i, f := range files {
		u := units[services[i]]
		ud := UnitDetail{
			File: f, Service: services[i],
			LoadState: u.LoadState, ActiveState: u.ActiveState, SubState: u.SubState, Result: u.Result,
			Since: u.StateChange, NRestarts: u.NRestarts, MainPID: u.MainPID,
		}
		for _, c := range d.Containers {
			if c.Service == services[i] {
				ud.Container = c.Name
			}
		}
		if u.loaded() {
			if ud.Journal, err = r.cfg.Journal.Tail(ctx, services[i], describeLines); err != nil {
				ud.Journal = []string{err.Error()}
			}
		}
		out.Units = append(out.Units, ud)
	}
	return out, nil
}

// podFiles lists a pod's files: the .pod file, the containers' in start order, the rest.
func podFiles(d DesiredPod) []string {
	var out []string
	for _, name := range slices.Sorted(maps.Keys(d.Units)) {
		if serviceOf(name) == d.PodService {
			out = append(out, name)
		}
	}
	for _, c := range d.Containers {
		for name := range d.Units {
			if serviceOf(name) == c.Service {
				out = append(out, name)
			}
		}
	}
	for _, name := range slices.Sorted(maps.Keys(d.Units)) {
		if !slices.Contains(out, name) {
			out = append(out, name)
		}
	}
	return out
}

// Logs writes what a container of the pod printed to w, as `kubectl logs` does (what
// systemd and podman said about its unit is in Describe). container may be empty for a pod
// with one container (init containers aside). opts choose the lines; with opts.Follow, it
// keeps writing until ctx ends.
func (r *Reconciler) Logs(ctx context.Context, podKey, container string, opts LogOptions, w io.Writer) error {
	d, ok := r.desiredPod(podKey)
	if !ok {
		return fmt.Errorf("logs of pod %s: %w", podKey, ErrNoPod)
	}
	c, err := pickContainer(d, container)
	if err != nil {
		return fmt.Errorf("logs of pod %s: %w", podKey, err)
	}
	return r.cfg.Journal.Logs(ctx, containerName(c), opts, w)
}

// pickContainer finds a container by name, or the pod's only one when name is empty.
func pickContainer(d DesiredPod, name string) (ContainerSpec, error) {
	var names, main []string
	for _, c := range d.Containers {
		if c.Name == name {
			return c, nil
		}
		names = append(names, c.Name)
		if !c.Init {
			main = append(main, c.Name)
		}
	}
	if name == "" && len(main) == 1 {
		return pickContainer(d, main[0])
	}
	if name == "" {
		return ContainerSpec{}, fmt.Errorf("the pod has containers %s; name one", strings.Join(names, ", "))
	}
	return ContainerSpec{}, fmt.Errorf("the pod has no container %q; it has %s", name, strings.Join(names, ", "))
}

func (r *Reconciler) desiredPod(key string) (DesiredPod, bool) {
	r.mu.Lock()
	defer r.mu.Unlock()
	d, ok := r.desired[key]
	return d, ok
}
