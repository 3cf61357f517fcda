package reconcile

import (
	"cmp"
	"fmt"
	"maps"
	"slices"
)

// Actions are what it takes to bring the observed state to the desired one. Applying them
// goes in this order, which matters:
//
//  1. Write every file (new or changed text; a file edited or deleted by hand is put back),
//     so that an agent killed from here on finds the rest of the work on its next pass.
//  2. Stop the pods in Stop and Restart, with the units systemd still has loaded, so that a
//     pod gone from this node releases its host ports before a new one wants them.
//  3. Delete the podman volumes in Volumes, then remove the files in Remove (a .volume file
//     stays until its volume is gone, so that a failed delete is retried).
//  4. Reload systemd once if Reload is set.
//  5. Start the pods in Start and Restart.
type Actions struct {
	Write   []UnitFile
	Stop    []PodStep
	Remove  []string
	Volumes []Volume
	Reload  bool
	Start   []PodStep
	Restart []PodStep
	// Keep lists the desired pods that need nothing.
	Keep []string
	// Blocked maps a desired pod to the reason it cannot be written (a file of the same
	// name that is not ours); nothing is done for it.
	Blocked map[string]string
}

// UnitFile is a file to write into the unit folder.
type UnitFile struct {
	Pod  string
	Name string
	Text string
}

// PodStep is what to do with one pod's services: stop these, then (after the reload) start
// these. Each list is in the order to act on.
type PodStep struct {
	Key   string
	Stop  []string
	Start []string
}

// Volume is a podman volume to delete once its pod stopped, and the unit file that made it.
type Volume struct {
	Name string
	File string
}

// Empty tells whether there is nothing to do.
func (a Actions) Empty() bool {
	return len(a.Write) == 0 && len(a.Stop) == 0 && len(a.Remove) == 0 && len(a.Volumes) == 0 &&
		!a.Reload && len(a.Start) == 0 && len(a.Restart) == 0
}

// restarted are the pods whose services the actions restart: they run, from units that
// the actions rewrite or that changed since they started.
func (a Actions) restarted() map[string]bool {
	out := map[string]bool{}
	for _, p := range a.Restart {
		out[p.Key] = true
	}
	return out
}

// Plan compares the desired pods with what is observed and says what to do. It is pure.
//
// A pod restarts when its units changed while it runs: a file whose text differs (or is
// missing, or is no longer wanted), or a file written after its running service started
// (an earlier pass wrote it and did not get to the restart). A reload alone, or an agent
// that restarts, restarts nothing.
func Plan(desired []DesiredPod, obs Observed) Actions {
	a := Actions{Blocked: map[string]string{}}
	have := map[string][]string{} // pod key -> its files on disk, sorted
	for _, name := range slices.Sorted(maps.Keys(obs.Files)) {
		k := obs.Files[name].Pod
		have[k] = append(have[k], name)
	}
	wanted := map[string]bool{}
	desired = slices.Clone(desired)
	slices.SortFunc(desired, func(x, y DesiredPod) int { return cmp.Compare(x.Key, y.Key) })
	for _, d := range desired {
		if wanted[d.Key] {
			continue // the agent gave the same pod twice; the first one counts
		}
		wanted[d.Key] = true
		if reason := blocked(d, obs); reason != "" {
			a.Blocked[d.Key] = reason
			continue
		}
		planPod(&a, d, have[d.Key], obs)
	}
	for _, k := range slices.Sorted(maps.Keys(have)) {
		if !wanted[k] {
			planGone(&a, k, have[k], obs)
		}
	}
	a.Reload = len(a.Write) > 0 || len(a.Remove) > 0 || needsReload(desired, a.Blocked, obs)
	return a
}

// blocked names a desired file that exists and is not ours, if any.
func blocked(d DesiredPod, obs Observed) string {
	for _, name := range slices.Sorted(maps.Keys(d.Units)) {
		if obs.Foreign[name] {
			return fmt.Sprintf("the unit file %s exists and was not written by podman-swarm; move it away", name)
		}
	}
	return ""
}

// planPod plans one desired pod, given its files on disk.
func planPod(a *Actions, d DesiredPod, files []string, obs Observed) {
	changed := false
	for _, name := range slices.Sorted(maps.Keys(d.Units)) {
		if f, ok := obs.Files[name]; !ok || f.Text != d.Units[name] {
			a.Write = append(a.Write, UnitFile{Pod: d.Key, Name: name, Text: d.Units[name]})
			changed = true
		}
	}
	var dropped []string // services of files no longer wanted
	for _, name := range files {
		if _, ok := d.Units[name]; ok {
			continue
		}
		changed = true
		a.Remove = append(a.Remove, name)
		if v := volumeOf(name); v != "" {
			a.Volumes = append(a.Volumes, Volume{Name: v, File: name})
		}
		if s := serviceOf(name); s != "" {
			dropped = append(dropped, s)
		}
	}
	pod := obs.Units[d.PodService]
	switch {
	case !pod.down() && (changed || stale(d, obs)):
		a.Restart = append(a.Restart, PodStep{Key: d.Key, Stop: stopList(d, files, dropped), Start: d.Services()})
	case pod.down() || pod.ActiveState == stateActive && containerDown(d, obs):
		a.Start = append(a.Start, PodStep{Key: d.Key, Start: d.Services()})
		// The stopped services of dropped files still need to go.
		if stop := stillUp(dropped, obs); len(stop) > 0 {
			a.Start[len(a.Start)-1].Stop = stop
		}
	default:
		a.Keep = append(a.Keep, d.Key)
	}
}

// stale tells whether a running service of the pod started before its file was last
// written, so that it runs an older text than the one on disk. Volumes do not count: their
// service only creates the volume, which a restart keeps, so it is never restarted.
func stale(d DesiredPod, obs Observed) bool {
	for name := range d.Units {
		f, ok := obs.Files[name]
		if !ok || volumeOf(name) != "" {
			continue
		}
		u := obs.Units[serviceOf(name)]
		if u.ActiveState == stateActive && f.ModTime.After(u.ActiveEnter) {
			return true
		}
	}
	return false
}

// containerDown tells whether a container that must keep running is down while its pod
// runs (stopped by hand, or left behind by a failed start).
func containerDown(d DesiredPod, obs Observed) bool {
	for _, c := range d.Containers {
		if c.KeepsRunning() && obs.Units[c.Service].down() {
			return true
		}
	}
	return false
}

// stopList is what stopping a running pod stops: its services, those of its other files on
// disk except volumes (a volume outlives a restart), and those of dropped files.
func stopList(d DesiredPod, files []string, dropped []string) []string {
	out := d.Services()
	add := func(s string) {
		if s != "" && !slices.Contains(out, s) {
			out = append(out, s)
		}
	}
	for _, name := range files {
		if volumeOf(name) == "" {
			add(serviceOf(name))
		}
	}
	for _, s := range dropped {
		add(s)
	}
	return out
}

// stillUp keeps the services that are not down.
func stillUp(services []string, obs Observed) []string {
	var out []string
	for _, s := range services {
		if !obs.Units[s].down() {
			out = append(out, s)
		}
	}
	return out
}

// planGone plans a pod that has files on disk and is no longer wanted: stop whatever of it
// runs, delete its volumes, remove its files.
func planGone(a *Actions, key string, files []string, obs Observed) {
	var services []string
	for _, name := range files {
		a.Remove = append(a.Remove, name)
		if v := volumeOf(name); v != "" {
			a.Volumes = append(a.Volumes, Volume{Name: v, File: name})
		}
		if s := serviceOf(name); s != "" {
			services = append(services, s)
		}
	}
	if stop := stillUp(services, obs); len(stop) > 0 {
		a.Stop = append(a.Stop, PodStep{Key: key, Stop: stop})
	}
}

// needsReload tells whether systemd's view of the files that stay is out of date even
// though no file changes now: a unit not loaded, or one whose file changed since it was.
func needsReload(desired []DesiredPod, blockedPods map[string]string, obs Observed) bool {
	for _, d := range desired {
		if blockedPods[d.Key] != "" {
			continue
		}
		for name := range d.Units {
			s := serviceOf(name)
			if s == "" {
				continue
			}
			if u := obs.Units[s]; !u.loaded() || u.NeedDaemonReload {
				return true
			}
		}
	}
	return false
}
