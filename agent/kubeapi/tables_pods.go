package kubeapi

import (
	"fmt"
	"strings"
	"time"

	corev1 "k8s.io/api/core/v1"
)

var podColumns = columns([]string{"Name", "Ready", "Status", "Restarts", "Age"}, "IP", "Node", "Reason")

func podCells(p *corev1.Pod, now time.Time) (string, []string) {
	ready, restarts := 0, int32(0)
	for _, cs := range p.Status.ContainerStatuses {
		if cs.Ready {
			ready++
		}
		restarts += cs.RestartCount
	}
	// What the node running the pod says (its status message), else why no node runs it
	// (the scheduled condition's message).
	reason := PodReason(p)
	return p.Namespace, []string{p.Name, fmt.Sprintf("%d/%d", ready, len(p.Spec.Containers)), string(p.Status.Phase),
		fmt.Sprint(restarts), Age(p.CreationTimestamp.Time, now),
		orNone(p.Status.PodIP), orNone(p.Spec.NodeName), orNone(reason)}
}

// PodReason is why a pod is not running as it should, if anyone said.
func PodReason(p *corev1.Pod) string {
	if p.Status.Message != "" {
		return p.Status.Message
	}
	for _, c := range p.Status.Conditions {
		if c.Status == corev1.ConditionFalse && c.Message != "" {
			return c.Message
		}
	}
	return ""
}

var nodeColumns = columns([]string{"Name", "Status", "Roles", "Age", "Address"}, "API", "Runtime", "Labels")

func nodeCells(n *corev1.Node, now time.Time) (string, []string) {
	role := "<none>"
	if n.Annotations["swarm.podman.io/leader"] == "true" {
		role = "leader"
	}
	addr := ""
	for _, a := range n.Status.Addresses {
		if a.Type == corev1.NodeInternalIP {
			addr = a.Address
		}
	}
	return "", []string{n.Name, NodeStatus(n), role, Age(n.CreationTimestamp.Time, now), addr,
		n.Annotations["swarm.podman.io/api"], n.Annotations["swarm.podman.io/runtime"], LabelsString(n.Labels)}
}

// NodeStatus is Ready, AgentDown (its agent is down, its pods still serve), Lost (its
// agent and its workloads are gone: its pods move) or NotReady, with the node's problems
// after it as kubectl shows them (Ready,SchedulingDisabled): StoreFailing when the node
// cannot write its store.
func NodeStatus(n *corev1.Node) string {
	status := "NotReady"
	for _, c := range n.Status.Conditions {
		switch {
		case c.Type != corev1.NodeReady:
		case c.Status == corev1.ConditionTrue:
			status = "Ready"
		case c.Reason == "AgentDown":
			status = "AgentDown"
		case c.Reason == "NodeLost":
			status = "Lost"
		}
	}
	for _, c := range n.Status.Conditions {
		if c.Type == NodeStoreFailing && c.Status == corev1.ConditionTrue {
			status += "," + string(NodeStoreFailing)
		}
	}
	if n.Spec.Unschedulable {
		status += ",SchedulingDisabled"
	}
	return status
}

// NodeStoreFailing is the condition of a node that cannot write its store (True).
const NodeStoreFailing corev1.NodeConditionType = "StoreFailing"

var eventColumns = columns([]string{"Last Seen", "Type", "Reason", "Object", "Message"}, "Source", "First Seen", "Count", "Name")

func eventCells(ev *corev1.Event, now time.Time) (string, []string) {
	return ev.Namespace, []string{Age(ev.LastTimestamp.Time, now), ev.Type, ev.Reason, eventObject(ev), ev.Message,
		orNone(ev.Source.Host), Age(ev.FirstTimestamp.Time, now), fmt.Sprint(ev.Count), ev.Name}
}

// eventObject names an event's object as kubectl does: kind in lower case, a slash, name.
func eventObject(ev *corev1.Event) string {
	return strings.ToLower(ev.InvolvedObject.Kind) + "/" + ev.InvolvedObject.Name
}
