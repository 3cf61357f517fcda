package reconcile

import (
	"context"
	"fmt"
	"maps"
	"slices"
)

// report works out the status of every desired pod and reports those that changed. podman's
// health checks (livenessProbes) decide nothing here: a failing one gets its container
// killed, which systemd reports. final is set for the state a pass leaves
// behind, unset for the state it found before acting, in which a unit that is not loaded
// may be one the pass is about to write. The pods in skip keep their last status.
func (r *Reconciler) report(ctx context.Context, desired []DesiredPod, renderErr, blocked map[string]string, units map[string]UnitState, final bool, skip map[string]bool) {
	now := r.now()
	wanted := map[string]bool{}
	statuses := map[string]Status{}
	journals := map[string]bool{}
	r.mu.Lock()
	last := r.status
	r.mu.Unlock()
	for _, d := range desired {
		wanted[d.Key] = true
		if skip[d.Key] {
			if s, ok := last[d.Key]; ok {
				statuses[d.Key] = s
			}
			continue
		}
		if podUp(d, units) {
			r.backoff.up(d.Key, now)
		}
		in := statusInput{
			pod: d, units: units,
			journal:   map[string]string{},
			blocked:   blocked[d.Key],
			notLoaded: r.notLoaded(d, units, final),
			startErr:  r.backoff.lastError(d.Key),
			ran:       r.ran[d.Key],
		}
		for _, s := range needsJournal(d, units) {
			journals[s] = true
			in.journal[s] = r.journalError(ctx, s, units[s])
		}
		statuses[d.Key] = podStatus(in)
		if statuses[d.Key].Phase == PhaseRunning {
			r.ran[d.Key] = true
		}
	}
	for k, e := range renderErr {
		wanted[k] = true
		statuses[k] = Status{Phase: PhaseFailed, Error: e}
	}
	for s := range r.journal {
		if !journals[s] {
			delete(r.journal, s)
		}
	}
	for k := range r.backoff.pods {
		if !wanted[k] {
			r.backoff.forget(k)
		}
	}
	for k := range r.ran {
		if !wanted[k] {
			delete(r.ran, k)
		}
	}
	r.mu.Lock()
	old := r.status
	r.status = statuses
	r.mu.Unlock()
	for _, k := range slices.Sorted(maps.Keys(statuses)) {
		st := statuses[k]
		if o, ok := old[k]; !ok || !o.Equal(st) {
			r.log.Info("pod status", "pod", k, "phase", st.Phase, "ready", st.Ready, "restarts", st.Restarts, "error", st.Error)
			r.cfg.Report(k, st)
		}
	}
}

// podUp tells whether the pod runs as it should: its service active and every container
// that must keep running up.
func podUp(d DesiredPod, units map[string]UnitState) bool {
	if units[d.PodService].ActiveState != stateActive {
		return false
	}
	for _, c := range d.Containers {
		if c.KeepsRunning() && units[c.Service].ActiveState != stateActive {
			return false
		}
	}
	return true
}

// notLoaded says which of the pod's units systemd does not have although the files were
// reloaded: Quadlet refused the file.
func (r *Reconciler) notLoaded(d DesiredPod, units map[string]UnitState, final bool) string {
	if r.lastReload == "" || !final {
		return ""
	}
	for _, name := range slices.Sorted(maps.Keys(d.Units)) {
		s := serviceOf(name)
		if u, ok := units[s]; ok && u.LoadState != "" && !u.loaded() {
			return fmt.Sprintf("systemd has no unit %s after a reload: Quadlet did not convert %s (see journalctl --user -b | grep quadlet)", s, name)
		}
	}
	return ""
}

// journalError reads the error line of a service's last messages, once per state change.
func (r *Reconciler) journalError(ctx context.Context, service string, u UnitState) string {
	if c, ok := r.journal[service]; ok && c.at.Equal(u.StateChange) && c.n == u.NRestarts {
		return c.line
	}
	lines, err := r.cfg.Journal.Tail(ctx, service, 30)
	if err != nil {
		r.log.Warn("read the journal", "unit", service, "err", err)
	}
	line := lastError(lines)
	r.journal[service] = journalLine{at: u.StateChange, n: u.NRestarts, line: line}
	return line
}
