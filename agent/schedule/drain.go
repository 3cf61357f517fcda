package schedule

import (
	corev1 "k8s.io/api/core/v1"

	"github.com/podman-swarm/podman-swarm/scheduler"
)

// reportDrains records an event for each pod the plan took off a drained node, so that
// swarm get events and swarm describe pod tell why it left.
func (a *Loop) reportDrains(out scheduler.Output) {
	if a.recorder == nil {
		return
	}
	for _, d := range out.Delete {
		if d.Reason != scheduler.DrainedReason(d.Node) {
			continue
		}
		a.recorder.Event(corev1.ObjectReference{Kind: "Pod", APIVersion: "v1", Namespace: d.Pod.Namespace, Name: d.Pod.Name},
			corev1.EventTypeNormal, "Evicted", "Evicted from node "+d.Node+", which is drained")
	}
}
