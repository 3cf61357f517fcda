package schedule

import (
	"bytes"
	"encoding/json"
	"fmt"
	"time"

	"github.com/podman-swarm/podman-swarm/agent/store"
	"github.com/podman-swarm/podman-swarm/cluster"
	"github.com/podman-swarm/podman-swarm/scheduler"
)

// rolloutPlan is what the leader writes about the Deployments' rollouts beside its pod
// plan: their records, and the Deployments it rolls back.
type rolloutPlan struct {
	changes   []change
	rollbacks []rollbackDone
	// events are the rollouts' steps, recorded once the plan is written.
	events []rolloutEvent
	// recheckAt is the earliest progress deadline still running: the plan to make then
	// finds the rollout timed out, if it made no progress meanwhile.
	recheckAt time.Time
}

// rollbackDone is one automatic rollback, for the event and the log.
type rollbackDone struct {
	namespace, name string
	store.Rollback
}

// planRollouts brings every Deployment's rollout record up to date with the pods as out
// leaves them, decides the rollbacks (flag: the agent's --rollback-on-failure), and
// deletes the records of Deployments that are gone. live reads an object's stored entry,
// whose lineage a rollback's write carries on, as an apply does. It writes nothing that is
// already stored.
func planRollouts(st *store.State, out scheduler.Output, now time.Time, flag bool, live func(key string) (cluster.Entry, bool)) (rolloutPlan, error) {
	var p rolloutPlan
	now = now.UTC()
	config := configOf(st)
	for _, key := range sortedKeys(st.Deployments) {
		d := st.Deployments[key]
		prev, had := st.Rollouts[key]
		rec := nextRollout(prev, d, config, out.Deployments[key], now)
		if rev, ok := rollbackTarget(rec, d, config, flag); ok {
			back, next := rolledBack(rec, d, config, rev, now)
			objKey := store.ObjectKey(store.PrefixDeployment, d.Namespace, d.Name)
			e, ok := live(objKey)
			if !ok || e.Deleted {
				continue // deleted meanwhile: nothing to roll back
			}
			value, err := json.Marshal(back)
			if err != nil {
				return rolloutPlan{}, fmt.Errorf("encode deployment %s: %w", key, err)
			}
			value, err = store.WithResourceVersion(objKey, value, store.SeenIn(e).String())
			if err != nil {
				return rolloutPlan{}, err
			}
			p.changes = append(p.changes, change{key: objKey, value: value})
			p.rollbacks = append(p.rollbacks, rollbackDone{namespace: d.Namespace, name: d.Name, Rollback: *next.RolledBack})
			rec = next
		}
		if !had || !sameRollout(prev, rec) {
			p.changes = append(p.changes, change{key: store.RolloutKey(key), value: store.MustJSON(rec)})
			p.events = append(p.events, rolloutEvents(d, prev, had, rec)...)
		}
		if at := deadlineAt(rec, d); !at.IsZero() && (p.recheckAt.IsZero() || at.Before(p.recheckAt)) {
			p.recheckAt = at
		}
	}
	for _, key := range sortedKeys(st.Rollouts) {
		if _, ok := st.Deployments[key]; !ok {
			p.changes = append(p.changes, change{key: store.RolloutKey(key), delete: true})
		}
	}
	return p, nil
}

// sameRollout tells whether two records say the same. A revision's template is named by
// its hash, so the revisions compare by number and hash, without encoding the templates
// of every Deployment at every plan.
func sameRollout(a, b store.Rollout) bool {
	if len(a.Revisions) != len(b.Revisions) {
		return false
	}
	for i := range a.Revisions {
		if a.Revisions[i].Number != b.Revisions[i].Number || a.Revisions[i].Hash != b.Revisions[i].Hash {
			return false
		}
	}
	a.Revisions, b.Revisions = nil, nil
	return bytes.Equal(store.MustJSON(a), store.MustJSON(b))
}

// rollbackMessage is the DeploymentRollback event's message, in Kubernetes' words.
func rollbackMessage(name string, toRevision int64) string {
	return fmt.Sprintf("Rolled back deployment %q to revision %d", name, toRevision)
}
