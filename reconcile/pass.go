package reconcile

import (
	"context"
	"fmt"
	"maps"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/podman-swarm/podman-swarm/quadlet"
)

// pass is one round of the loop: observe, plan, apply, report. It returns how long the
// loop may sleep before the next one.
func (r *Reconciler) pass(ctx context.Context) time.Duration {
	desired, renderErr := r.snapshot()
	obs, err := r.observe(ctx, desired)
	if err != nil {
		r.log.Error("observe the node's units", "err", err)
		return min(r.cfg.Resync, 5*time.Second)
	}
	a := Plan(desired, obs)
	held := r.hold(&a)
	if !a.Empty() {
		// What was seen is reported before it is acted on: a pod that systemd gave up on
		// is reported Failed even when it is up again at the end of this pass. Not for a
		// pod the pass restarts: what runs of it is what its old units made (a
		// StatefulSet's pod that a rolling update replaces under the same name would be
		// reported ready as the new one).
		r.report(ctx, desired, renderErr, a.Blocked, obs.Units, false, a.restarted())
		r.apply(ctx, a, obs)
		if ctx.Err() != nil {
			return 0
		}
		units, err := r.cfg.Systemd.Units(ctx, serviceNames(desired, obs.Files))
		if err != nil {
			r.log.Error("observe the node's units after applying", "err", err)
		} else {
			obs.Units = units
		}
	}
	r.report(ctx, desired, renderErr, a.Blocked, obs.Units, true, nil)
	r.forgetLeftovers(ctx, desired, obs.Files)
	return r.nextWake(held)
}

// observe reads our unit files and the state of every service they, or the desired pods,
// make.
func (r *Reconciler) observe(ctx context.Context, desired []DesiredPod) (Observed, error) {
	files, foreign, err := readUnitDir(r.cfg.UnitDir)
	if err != nil {
		return Observed{}, err
	}
	units, err := r.cfg.Systemd.Units(ctx, serviceNames(desired, files))
	if err != nil {
		return Observed{}, err
	}
	return Observed{Files: files, Foreign: foreign, Units: units}, nil
}

// serviceNames lists, sorted, the services of our files and of the desired pods' files.
func serviceNames(desired []DesiredPod, files map[string]File) []string {
	set := map[string]bool{}
	for name := range files {
		if s := serviceOf(name); s != "" {
			set[s] = true
		}
	}
	for _, d := range desired {
		for name := range d.Units {
			if s := serviceOf(name); s != "" {
				set[s] = true
			}
		}
	}
	return slices.Sorted(maps.Keys(set))
}

// hold takes out of the plan the starts of pods that are backing off, and returns when the
// first of them may start.
func (r *Reconciler) hold(a *Actions) time.Time {
	now := r.now()
	var first time.Time
	var keep []PodStep
	for _, s := range a.Start {
		ok, at := r.backoff.ready(s.Key, now)
		if ok {
			keep = append(keep, s)
			continue
		}
		r.log.Debug("start held back", "pod", s.Key, "until", at)
		if first.IsZero() || at.Before(first) {
			first = at
		}
	}
	a.Start = keep
	return first
}

// apply carries out a plan in the order Actions documents. A step that fails for one pod is
// logged and left for the next pass; the other pods go on.
func (r *Reconciler) apply(ctx context.Context, a Actions, obs Observed) {
	dir := r.cfg.UnitDir
	for _, w := range a.Write {
		if err := writeUnit(dir, w.Name, w.Text); err != nil {
			r.log.Error("write unit file", "pod", w.Pod, "file", w.Name, "err", err)
			continue
		}
		r.log.Info("unit file written", "pod", w.Pod, "file", w.Name)
	}
	var stops []PodStep
	for _, s := range slices.Concat(a.Stop, a.Restart, a.Start) {
		if len(s.Stop) > 0 {
			stops = append(stops, s)
		}
	}
	disarm := r.killLate(ctx, a.Stop, obs)
	r.jobs(ctx, stops, func(s PodStep) []string { return s.Stop }, r.cfg.Systemd.Stop, func(s PodStep, err error) {
		if err != nil {
			r.log.Error("stop pod", "pod", s.Key, "units", s.Stop, "err", err)
			return
		}
		r.log.Info("pod stopped", "pod", s.Key)
	})
	disarm()
	for _, s := range a.Stop {
		// A container that exits non-zero when stopped leaves its unit "failed", and
		// systemd keeps a failed unit in memory even once its file is gone.
		if err := r.cfg.Systemd.ResetFailed(ctx, s.Stop); err != nil {
			r.log.Warn("reset the failed state of a removed pod's units", "pod", s.Key, "err", err)
		}
	}
	keepFile := map[string]bool{}
	for _, v := range a.Volumes {
		if err := r.cfg.Podman.RemoveVolume(ctx, v.Name); err != nil {
			r.log.Error("remove volume", "pod", obs.Files[v.File].Pod, "volume", v.Name, "err", err)
			keepFile[v.File] = true // so that the next pass tries again
		}
	}
	for _, name := range a.Remove {
		if keepFile[name] {
			continue
		}
		if err := removeUnit(dir, name); err != nil {
			r.log.Error("remove unit file", "pod", obs.Files[name].Pod, "file", name, "err", err)
			continue
		}
		r.log.Info("unit file removed", "pod", obs.Files[name].Pod, "file", name)
	}
	if a.Reload {
		r.reload(ctx, len(a.Write) > 0 || len(a.Remove) > 0)
	}
	starts := slices.Concat(a.Start, a.Restart)
	for _, s := range a.Start {
		// A pod service that failed its own restarts (Quadlet sets Restart=on-failure)
		// hit systemd's start limit, which refuses starts until it is reset.
		if err := r.cfg.Systemd.ResetFailed(ctx, s.Start); err != nil {
			r.log.Warn("reset the failed state of a pod's units", "pod", s.Key, "err", err)
		}
	}
	r.jobs(ctx, starts, func(s PodStep) []string { return s.Start }, r.cfg.Systemd.Start, func(s PodStep, err error) {
		if err != nil {
			// One sentence for the status, whatever number of jobs failed.
			err = fmt.Errorf("start failed (%s)", strings.ReplaceAll(err.Error(), "\n", "; "))
		}
		r.backoff.started(s.Key, r.now(), err)
		delete(r.ran, s.Key)
		if err != nil {
			r.log.Error("start pod", "pod", s.Key, "err", err)
			return
		}
		r.log.Info("pod started", "pod", s.Key)
	})
}

// reload runs one daemon-reload, unless the files on disk are those of the last reload and
// nothing was written: a unit that is still not loaded then is one Quadlet refused, and
// reloading again would only repeat that on every pass.
func (r *Reconciler) reload(ctx context.Context, wrote bool) {
	files, _, err := readUnitDir(r.cfg.UnitDir)
	if err != nil {
		r.log.Error("read unit folder before the reload", "err", err)
	}
	texts := map[string]string{}
	for name, f := range files {
		texts[name] = f.Text + f.ModTime.String()
	}
	key := fingerprint(texts)
	if !wrote && key == r.lastReload {
		return
	}
	start := r.now()
	if err := r.cfg.Systemd.Reload(ctx); err != nil {
		r.log.Error("reload systemd", "err", err)
		return
	}
	r.lastReload = key
	r.log.Info("systemd reloaded", "took", r.now().Sub(start).Round(time.Millisecond))
}

// jobs runs one batch of systemd jobs per pod, all pods at once, and waits for all of them
// within JobTimeout.
func (r *Reconciler) jobs(ctx context.Context, steps []PodStep, units func(PodStep) []string,
	run func(context.Context, []string) error, done func(PodStep, error)) {
	if len(steps) == 0 {
		return
	}
	ctx, cancel := context.WithTimeout(ctx, r.cfg.JobTimeout)
	defer cancel()
	errs := make([]error, len(steps))
	var wg sync.WaitGroup
	for i, s := range steps {
		wg.Add(1)
		go func() {
			defer wg.Done()
			errs[i] = run(ctx, units(s))
		}()
	}
	wg.Wait()
	for i, s := range steps {
		done(s, errs[i])
	}
}

// nextWake is how long the loop may sleep: until the periodic resync, a held start or a
// back-off coming due.
func (r *Reconciler) nextWake(held time.Time) time.Duration {
	now := r.now()
	d := r.cfg.Resync
	if at := r.backoff.next(now); !at.IsZero() && (held.IsZero() || at.Before(held)) {
		held = at
	}
	if !held.IsZero() {
		d = min(d, max(held.Sub(now), 10*time.Millisecond))
	}
	return d
}

// forgetLeftovers resets the failed units of pods that are gone. The stop of a removed pod
// resets its units already, but a container that fails on its way down after that (its
// unit bound to the pod's) would stay listed as failed, with no file, until the next boot.
func (r *Reconciler) forgetLeftovers(ctx context.Context, desired []DesiredPod, files map[string]File) {
	left, err := r.cfg.Systemd.Leftovers(ctx, quadlet.NamePrefix)
	if err != nil {
		r.log.Warn("list failed units", "err", err)
		return
	}
	ours := serviceNames(desired, files)
	var gone []string
	for _, u := range left {
		if !slices.Contains(ours, u) {
			gone = append(gone, u)
		}
	}
	if len(gone) == 0 {
		return
	}
	if err := r.cfg.Systemd.ResetFailed(ctx, gone); err != nil {
		r.log.Warn("forget the failed units of removed pods", "units", gone, "err", err)
		return
	}
	r.log.Info("forgot the failed units of removed pods", "units", gone)
}
