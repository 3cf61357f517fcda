package reconcile

import (
	"maps"
	"slices"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	"pgregory.net/rapid"

	"github.com/podman-swarm/podman-swarm/manifest"
)

// catalog holds, for a few pod names, a few versions of each pod: what a desired or an
// observed pod can be in the property tests.
func catalog(t *testing.T) map[string][]DesiredPod {
	variants := []func(*manifest.Pod){
		func(*manifest.Pod) {},
		withImage("localhost/web:2"),
		withSidecar,
		withVolume,
		withRestart(corev1.RestartPolicyNever),
	}
	out := map[string][]DesiredPod{}
	for _, name := range []string{"a", "b", "c", "d"} {
		for _, v := range variants {
			d := desire(t, podSpec(name, v))
			out[d.Key] = append(out[d.Key], d)
		}
	}
	return out
}

// drawState draws desired pods and an observed state that may have any of them, or other
// versions of them, half-written, stopped, failed, starting, not loaded, among foreign files.
func drawState(t *rapid.T, cat map[string][]DesiredPod) ([]DesiredPod, Observed) {
	keys := slices.Sorted(maps.Keys(cat))
	var desired []DesiredPod
	obs := Observed{Files: map[string]File{}, Foreign: map[string]bool{}, Units: map[string]UnitState{}}
	states := []string{"active", "inactive", "failed", "activating", "deactivating", ""}
	for _, k := range keys {
		if rapid.Bool().Draw(t, "desired "+k) {
			desired = append(desired, rapid.SampledFrom(cat[k]).Draw(t, "desired version "+k))
		}
		if !rapid.Bool().Draw(t, "observed "+k) {
			continue
		}
		o := rapid.SampledFrom(cat[k]).Draw(t, "observed version "+k)
		for _, name := range slices.Sorted(maps.Keys(o.Units)) {
			if rapid.IntRange(0, 9).Draw(t, "missing "+name) == 0 {
				continue
			}
			text := o.Units[name]
			if rapid.IntRange(0, 9).Draw(t, "edited "+name) == 0 {
				text += "# edited by hand\n"
			}
			mod := t0
			if rapid.Bool().Draw(t, "written late "+name) {
				mod = t1.Add(time.Second)
			}
			obs.Files[name] = File{Pod: k, Text: text, ModTime: mod}
		}
		for _, name := range slices.Sorted(maps.Keys(o.Units)) {
			st := rapid.SampledFrom(states).Draw(t, "state "+name)
			if st == "" {
				continue
			}
			u := UnitState{LoadState: "loaded", ActiveState: st, ActiveEnter: t1}
			if rapid.IntRange(0, 5).Draw(t, "not loaded "+name) == 0 {
				u.LoadState = "not-found"
			}
			u.NeedDaemonReload = rapid.IntRange(0, 5).Draw(t, "needs reload "+name) == 0
			obs.Units[serviceOf(name)] = u
		}
	}
	for _, n := range rapid.SliceOfN(rapid.SampledFrom(foreignNames(cat)), 0, 4).Draw(t, "foreign") {
		if _, ours := obs.Files[n]; !ours {
			obs.Foreign[n] = true
		}
	}
	return desired, obs
}

// foreignNames are names a foreign file can have: unrelated ones, and every name of ours.
func foreignNames(cat map[string][]DesiredPod) []string {
	names := []string{"web.container", "notes.txt", "swarm-default_zz.pod", "swarm-other_a.pod"}
	for _, k := range slices.Sorted(maps.Keys(cat)) {
		for _, d := range cat[k] {
			names = append(names, slices.Sorted(maps.Keys(d.Units))...)
		}
	}
	return names
}

// apply plays actions on an observed state the way the node would: disk and systemd.
func apply(obs Observed, a Actions) Observed {
	now := t1.Add(time.Hour)
	out := Observed{Files: maps.Clone(obs.Files), Foreign: obs.Foreign, Units: maps.Clone(obs.Units)}
	setState := func(services []string, state string, enter time.Time) {
		for _, s := range services {
			u := out.Units[s]
			u.ActiveState = state
			if state == stateActive {
				u.ActiveEnter = enter
			}
			out.Units[s] = u
		}
	}
	for _, w := range a.Write {
		out.Files[w.Name] = File{Pod: w.Pod, Text: w.Text, ModTime: now}
	}
	for _, s := range a.Stop {
		setState(s.Stop, stateInactive, time.Time{})
	}
	for _, s := range slices.Concat(a.Start, a.Restart) {
		setState(s.Stop, stateInactive, time.Time{})
	}
	for _, r := range a.Remove {
		delete(out.Files, r)
	}
	if a.Reload {
		onDisk := map[string]bool{}
		for name := range out.Files {
			onDisk[serviceOf(name)] = true
		}
		for s, u := range out.Units {
			if !onDisk[s] {
				delete(out.Units, s)
				continue
			}
			u.LoadState, u.NeedDaemonReload = "loaded", false
			out.Units[s] = u
		}
		for s := range onDisk {
			if _, ok := out.Units[s]; !ok {
				out.Units[s] = UnitState{LoadState: "loaded", ActiveState: stateInactive}
			}
		}
	}
	for _, s := range slices.Concat(a.Start, a.Restart) {
		setState(s.Start, stateActive, now.Add(time.Second))
	}
	return out
}

// Applying a plan and planning again leaves nothing to do.
func TestPlanReachesFixedPoint(t *testing.T) {
	cat := catalog(t)
	rapid.Check(t, func(t *rapid.T) {
		desired, obs := drawState(t, cat)
		first := Plan(desired, obs)
		after := apply(obs, first)
		if second := Plan(desired, after); !second.Empty() {
			t.Fatalf("after applying\n%q\nthe plan is\n%q", first.lines(), second.lines())
		}
	})
}

// Only files with quadlet's marker and the desired pods' files are ever written or removed;
// only their services are stopped or started; a pod that stays is never stopped for good.
func TestPlanTouchesOnlyOurs(t *testing.T) {
	cat := catalog(t)
	rapid.Check(t, func(t *rapid.T) {
		desired, obs := drawState(t, cat)
		a := Plan(desired, obs)
		ours := map[string]bool{} // services of our files and of the desired pods
		wantedKeys := map[string]bool{}
		for name := range obs.Files {
			ours[serviceOf(name)] = true
		}
		for _, d := range desired {
			wantedKeys[d.Key] = true
			for name := range d.Units {
				ours[serviceOf(name)] = true
			}
		}
		for _, w := range a.Write {
			if obs.Foreign[w.Name] {
				t.Fatalf("writes foreign file %s", w.Name)
			}
		}
		removed := map[string]bool{}
		for _, r := range a.Remove {
			if _, ok := obs.Files[r]; !ok {
				t.Fatalf("removes %s, which is not one of our files", r)
			}
			removed[r] = true
		}
		for _, v := range a.Volumes {
			if !removed[v.File] {
				t.Fatalf("deletes volume %s of file %s, which is not removed", v.Name, v.File)
			}
		}
		for _, s := range slices.Concat(a.Stop, a.Start, a.Restart) {
			for _, svc := range slices.Concat(s.Stop, s.Start) {
				if !ours[svc] {
					t.Fatalf("pod %s acts on %s, which is not a service of ours", s.Key, svc)
				}
			}
		}
		for _, s := range a.Stop {
			if wantedKeys[s.Key] {
				t.Fatalf("stops desired pod %s", s.Key)
			}
		}
		for _, s := range slices.Concat(a.Start, a.Restart) {
			if !wantedKeys[s.Key] || a.Blocked[s.Key] != "" {
				t.Fatalf("starts pod %s, which is not desired or is blocked", s.Key)
			}
		}
	})
}
