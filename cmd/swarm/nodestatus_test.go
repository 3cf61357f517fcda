package main

import (
	"testing"

	corev1 "k8s.io/api/core/v1"
)

// The Ready condition's reason from the leader's liveness verdict names the STATUS column.
func TestNodeStatusShowsTheLivenessVerdict(t *testing.T) {
	for _, c := range []struct {
		status corev1.ConditionStatus
		reason string
		want   string
	}{
		{corev1.ConditionTrue, "NodeAlive", "Ready"},
		{corev1.ConditionUnknown, "AgentDown", "AgentDown"},
		{corev1.ConditionFalse, "NodeLost", "Lost"},
		{corev1.ConditionFalse, "NodeDead", "NotReady"},
		{corev1.ConditionFalse, "NodeLeft", "NotReady"},
	} {
		n := &corev1.Node{Status: corev1.NodeStatus{Conditions: []corev1.NodeCondition{
			{Type: corev1.NodeReady, Status: c.status, Reason: c.reason},
		}}}
		if got := nodeStatus(n); got != c.want {
			t.Errorf("Ready %s (%s): STATUS %q, want %q", c.status, c.reason, got, c.want)
		}
	}
}
