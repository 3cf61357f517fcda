package schedule

import (
	"math"
	"slices"
	"time"

	appsv1 "k8s.io/api/apps/v1"

	"github.com/podman-swarm/podman-swarm/agent/store"
	"github.com/podman-swarm/podman-swarm/manifest"
	"github.com/podman-swarm/podman-swarm/scheduler"
)

// Kubernetes' defaults for a Deployment's rollout fields.
const (
	defaultRevisionHistoryLimit = 10
	defaultProgressDeadline     = 600 * time.Second
)

// AnnotationRollbackOnFailure on a Deployment turns the automatic rollback of a failed
// rollout on ("true") or off ("false") whatever the agent's --rollback-on-failure says.
const AnnotationRollbackOnFailure = "swarm.podman.io/rollback-on-failure"

// AnnotationChangeCause is what a Deployment says about why its template changed; each
// revision keeps the one it was made with, for swarm rollout history.
const AnnotationChangeCause = "kubernetes.io/change-cause"

// progressDeadline is a Deployment's progressDeadlineSeconds; 0 means none, as Kubernetes
// reads math.MaxInt32.
func progressDeadline(d *appsv1.Deployment) time.Duration {
	p := d.Spec.ProgressDeadlineSeconds
	switch {
	case p == nil:
		return defaultProgressDeadline
	case *p == math.MaxInt32 || *p <= 0:
		return 0
	}
	return time.Duration(*p) * time.Second
}

// historyLimit is how many templates besides the current one a Deployment's record keeps:
// its revisionHistoryLimit, which Kubernetes counts in old ReplicaSets.
func historyLimit(d *appsv1.Deployment) int {
	if l := d.Spec.RevisionHistoryLimit; l != nil && *l >= 0 {
		return int(*l)
	}
	return defaultRevisionHistoryLimit
}

// nextRollout is a Deployment's rollout record after a plan that leaves its pods counted as
// c, at now: prev is the stored record (zero when there is none), config the ConfigMaps
// and Secrets whose versions are part of its current template (manifest.DeploymentHash,
// as the scheduler names the pods), so that a changed value taken as env is a new
// revision, as a template change is. It is pure, and returns
// prev unchanged when nothing changed, so that the leader writes only changes.
//
// Progress is what Kubernetes counts: a new template, new pods created, new pods become
// available, old pods removed. A rollout that has not progressed for its progress
// deadline, and is not complete, has timed out; progress after that resumes it.
func nextRollout(prev store.Rollout, d *appsv1.Deployment, config manifest.ConfigLookup, c scheduler.DeploymentCounts, now time.Time) store.Rollout {
	rec := prev
	rec.Revisions = slices.Clone(prev.Revisions)
	hash := manifest.DeploymentHash(d, config)
	counts := store.RolloutCounts(c)
	replicas := max(manifest.Replicas(d), 0)
	complete := c.Updated == replicas && c.Available == replicas && c.Old == 0
	rec.Paused = d.Spec.Paused
	if rec.Hash != hash {
		rec.Revisions = withRevision(rec.Revisions, d, hash, now)
		rec.Hash, rec.Progress, rec.LastProgress, rec.State, rec.RolledBack = hash, counts, now, store.RolloutNew, nil
		switch {
		case complete:
			rec.State, rec.CompletedHash = store.RolloutComplete, hash
		case d.Spec.Paused:
			rec.State = store.RolloutPaused
		}
		return rec
	}
	progressed := c.Updated > prev.Progress.Updated || c.Available > prev.Progress.Available || c.Old < prev.Progress.Old
	rec.Progress = counts
	switch {
	case complete:
		if rec.State != store.RolloutComplete {
			rec.State, rec.LastProgress, rec.CompletedHash = store.RolloutComplete, now, hash
		}
	case d.Spec.Paused:
		// A paused Deployment does not roll out, so it cannot time out, as Kubernetes
		// does not check the deadline of a paused Deployment.
		if rec.State != store.RolloutPaused {
			rec.State, rec.LastProgress = store.RolloutPaused, now
		}
	case progressed || rec.State == store.RolloutComplete || rec.State == store.RolloutPaused:
		// Progress, a complete Deployment that has work again (scaled, a pod lost), or
		// one resumed: the deadline counts from now.
		rec.State, rec.LastProgress = store.RolloutUpdated, now
	case rec.State != store.RolloutTimedOut:
		if limit := progressDeadline(d); limit > 0 && now.Sub(rec.LastProgress) > limit {
			rec.State = store.RolloutTimedOut
		}
	}
	return rec
}

// deadlineAt is when a rollout that is still progressing times out unless it progresses;
// zero when it cannot (complete, timed out already, or without a deadline).
func deadlineAt(rec store.Rollout, d *appsv1.Deployment) time.Time {
	limit := progressDeadline(d)
	if limit == 0 || rec.State == store.RolloutComplete || rec.State == store.RolloutTimedOut || rec.State == store.RolloutPaused {
		return time.Time{}
	}
	// nextRollout times out strictly after the deadline.
	return rec.LastProgress.Add(limit + time.Millisecond)
}

// withRevision adds the template of d, whose hash is hash, as the newest revision made
// at now: a template seen before leaves its old place and takes the next number, keeping
// when it was made, as Kubernetes renumbers a ReplicaSet a rollback brings back. The
// oldest go beyond the history limit.
func withRevision(revs []store.Revision, d *appsv1.Deployment, hash string, now time.Time) []store.Revision {
	next := int64(1)
	out := revs[:0:0]
	created := now
	for _, r := range revs {
		next = max(next, r.Number+1)
		if r.Hash != hash {
			out = append(out, r)
		} else if !r.Created.IsZero() {
			created = r.Created
		}
	}
	out = append(out, store.Revision{Number: next, Hash: hash, Template: *d.Spec.Template.DeepCopy(),
		ChangeCause: d.Annotations[AnnotationChangeCause], Created: created})
	if keep := historyLimit(d) + 1; len(out) > keep {
		out = slices.Clone(out[len(out)-keep:])
	}
	return out
}

// rollbackTarget decides whether a Deployment's failed rollout goes back, and to which
// revision: only a rollout that timed out, with rollback-on-failure on (the Deployment's
// annotation, else the agent's flag), and only once: a template that a rollback put
// back is not rolled back itself, so a previous revision that fails too stays failed
// rather than the two taking turns. The target is the newest other revision; none when
// that has the same template: the rollout that failed changed only the values of a
// ConfigMap or Secret the pods take as env, which putting a template back cannot undo.
func rollbackTarget(rec store.Rollout, d *appsv1.Deployment, config manifest.ConfigLookup, flag bool) (store.Revision, bool) {
	on := flag
	switch d.Annotations[AnnotationRollbackOnFailure] {
	case "true":
		on = true
	case "false":
		on = false
	}
	if !on || rec.State != store.RolloutTimedOut || rec.RolledBack != nil ||
		rec.Hash != manifest.DeploymentHash(d, config) {
		return store.Revision{}, false
	}
	var best store.Revision
	for _, r := range rec.Revisions {
		if r.Hash != rec.Hash && r.Number > best.Number {
			best = r
		}
	}
	if best.Number == 0 || manifest.TemplateHash(&best.Template) == manifest.TemplateHash(&d.Spec.Template) {
		return store.Revision{}, false
	}
	return best, true
}

// rolledBack is the Deployment d with the template of rev, as `kubectl rollout undo`
// writes it: the spec's template only; and its record, the template renumbered as the
// newest revision and the rollback noted.
func rolledBack(rec store.Rollout, d *appsv1.Deployment, config manifest.ConfigLookup, rev store.Revision, now time.Time) (*appsv1.Deployment, store.Rollout) {
	back := d.DeepCopy()
	back.Spec.Template = *rev.Template.DeepCopy()
	from := rec.CurrentRevision()
	next := nextRollout(rec, back, config, scheduler.DeploymentCounts{}, now)
	next.RolledBack = &store.Rollback{FromRevision: from, FromHash: rec.Hash, ToRevision: rev.Number, At: now}
	return back, next
}

// configOf finds the store's ConfigMaps and Secrets, whose versions are part of the
// Deployments' current hashes.
func configOf(st *store.State) manifest.ConfigLookup {
	return manifest.ConfigObjects{ConfigMaps: st.ConfigMaps, Secrets: st.Secrets}
}

// rollingOut names the Deployments whose record says that a rollout of their current
// template is under way: a template change (more than one revision) not complete yet.
func rollingOut(st *store.State) map[string]bool {
	out := map[string]bool{}
	config := configOf(st)
	for key, d := range st.Deployments {
		rec, ok := st.Rollouts[key]
		if ok && rec.Hash == manifest.DeploymentHash(d, config) && len(rec.Revisions) > 1 && rec.State != store.RolloutComplete {
			out[key] = true
		}
	}
	return out
}
