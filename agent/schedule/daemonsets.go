package schedule

import (
	"bytes"

	appsv1 "k8s.io/api/apps/v1"

	"github.com/podman-swarm/podman-swarm/agent/store"
	"github.com/podman-swarm/podman-swarm/scheduler"
)

// daemonSetStatus is the status of a DaemonSet whose nodes a plan counts as c, in
// Kubernetes' fields.
func daemonSetStatus(c scheduler.DaemonSetCounts) appsv1.DaemonSetStatus {
	return appsv1.DaemonSetStatus{
		DesiredNumberScheduled: int32(c.Desired),
		CurrentNumberScheduled: int32(c.Current),
		NumberReady:            int32(c.Ready),
		UpdatedNumberScheduled: int32(c.UpToDate),
		NumberAvailable:        int32(c.Available),
		NumberUnavailable:      int32(max(c.Desired-c.Available, 0)),
		NumberMisscheduled:     int32(c.Misscheduled),
	}
}

// daemonSetStatusChanges brings the DaemonSets' status records up to date with a plan:
// written when they changed, deleted with their DaemonSet. A plan without quorum counts
// nothing and is written by no one.
func daemonSetStatusChanges(st *store.State, out scheduler.Output) []change {
	var changes []change
	for _, key := range sortedKeys(st.DaemonSetStatus) {
		if _, ok := st.DaemonSets[key]; !ok {
			changes = append(changes, change{key: store.DaemonSetStatusKey(key), delete: true})
		}
	}
	for _, key := range sortedKeys(out.DaemonSets) {
		if _, ok := st.DaemonSets[key]; !ok {
			continue
		}
		value := store.MustJSON(daemonSetStatus(out.DaemonSets[key]))
		if cur, ok := st.DaemonSetStatus[key]; ok && bytes.Equal(store.MustJSON(cur), value) {
			continue
		}
		changes = append(changes, change{key: store.DaemonSetStatusKey(key), value: value})
	}
	return changes
}
