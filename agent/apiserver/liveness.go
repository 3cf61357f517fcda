package apiserver

import (
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/podman-swarm/podman-swarm/agent/store"
	"github.com/podman-swarm/podman-swarm/cluster"
)

// nodeDown tells whether member m's pods take no traffic: it left, or the leader judged it
// lost (its agent dead and its workloads silent). A member whose agent alone is down
// keeps its endpoints: its pods still serve (see the liveness package).
func nodeDown(m cluster.Member, verdicts map[string]store.NodeLiveness) bool {
	switch m.State {
	case cluster.StateAlive:
		return false
	case cluster.StateDead:
		v, ok := verdicts[m.Name]
		return ok && v.Lost()
	}
	return true
}

// Reasons of a Node's Ready condition for the liveness verdicts on a dead member.
const (
	reasonAgentDown = "AgentDown" // Unknown: its pods may well still serve
	reasonNodeLost  = "NodeLost"  // False: its pods are placed elsewhere
)

// readyCondition is member m's Ready condition: True while its agent answers; for a dead
// member, Unknown while the leader judges only its agent down (as Kubernetes says of a
// node whose kubelet stopped posting), False once judged lost, or, with no verdict yet,
// False as the membership says.
func readyCondition(m cluster.Member, v store.NodeLiveness, judged bool) corev1.NodeCondition {
	c := corev1.NodeCondition{Type: corev1.NodeReady, Status: corev1.ConditionTrue, Reason: "NodeAlive",
		LastTransitionTime: metav1.NewTime(m.Since)}
	switch {
	case m.State == cluster.StateAlive:
	case m.State == cluster.StateDead && judged && v.Status == store.LivenessAgentDown:
		c.Status, c.Reason, c.Message = corev1.ConditionUnknown, reasonAgentDown, v.Reason
		c.LastTransitionTime = metav1.NewTime(v.Since)
	case m.State == cluster.StateDead && judged && v.Status == store.LivenessLost:
		c.Status, c.Reason, c.Message = corev1.ConditionFalse, reasonNodeLost, v.Reason
		c.LastTransitionTime = metav1.NewTime(v.Since)
	default:
		c.Status, c.Reason = corev1.ConditionFalse, "Node"+capitalize(m.State.String())
	}
	return c
}
