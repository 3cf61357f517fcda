package store

import (
	"time"

	corev1 "k8s.io/api/core/v1"

	"github.com/podman-swarm/podman-swarm/cluster"
	"github.com/podman-swarm/podman-swarm/manifest"
	"github.com/podman-swarm/podman-swarm/netalloc"
	"github.com/podman-swarm/podman-swarm/reconcile"
)

// Assignment is the value under assignment/<ns>/<pod>: the pod to run and the node that runs it.
type Assignment struct {
	Pod  manifest.Pod `json:"pod"`
	Node string       `json:"node"`
	// PodIP is the pod's own address from the pod CIDR, given by the leader with the
	// assignment; "" for a pod placed before pods had one, which publishes its container
	// ports on the node as they are.
	PodIP string `json:"podIP,omitempty"`
}

// ServiceAllocation is the value under allocation/service/<ns>/<name>: the ClusterIP and
// node ports the leader gave a Service. It outlives updates of the Service and goes with
// it.
type ServiceAllocation = netalloc.Allocation

// NetworkSettings is the value under settings/network: the cluster's ranges, as the
// founding node's flags gave them.
type NetworkSettings = netalloc.Spec

// Pending is the value under pending/<ns>/<pod>: a pod that fits no node, and why.
type Pending struct {
	Pod    manifest.Pod `json:"pod"`
	Reason string       `json:"reason"`
	// Node is the node a pod is kept assigned to, where its data is, while that node is
	// gone; "" for a pod that fits no node.
	Node string `json:"node,omitempty"`
}

// PodStatus is the value under status/<ns>/<pod>: what the node running a pod observes.
type PodStatus struct {
	Node  string          `json:"node"`
	Phase corev1.PodPhase `json:"phase"`
	Ready bool            `json:"ready"`
	// ReadySince is when Ready last turned true; zero while not ready (and in records
	// written before it existed). A Deployment's pod counts as available once it has been
	// ready for the Deployment's minReadySeconds.
	ReadySince   time.Time                   `json:"readySince,omitzero"`
	RestartCount int32                       `json:"restartCount,omitempty"`
	HostIP       string                      `json:"hostIP,omitempty"`
	Message      string                      `json:"message,omitempty"`
	Ports        []manifest.PublishedPort    `json:"ports,omitempty"`
	Containers   []reconcile.ContainerStatus `json:"containers,omitempty"`
	Updated      time.Time                   `json:"updated"`
	// PortsOpen is the node's last TCP check of the published ports; nil until the first
	// one.
	PortsOpen *bool `json:"portsOpen,omitempty"`
	// TemplateHash is the template hash of the pod the node observed (manifest.Pod's; ""
	// for a bare Pod, and in records written before it was kept).
	TemplateHash string `json:"templateHash,omitempty"`
}

// Describes tells whether the record is about the pod a assigns: the same node, and the
// same template. A record of another node (one that ran the pod before it moved), or of
// the pod of the same name that a rolling update replaced (a StatefulSet's), says nothing
// about it until that node reports on the new one.
func (s PodStatus) Describes(a Assignment) bool {
	return s.Node == a.Node && (s.TemplateHash == "" || s.TemplateHash == a.Pod.TemplateHash)
}

// Deletion is the value under deletion/<object key>: what the API of the node that deleted
// the object had seen of it. A tombstone has no value to carry a Lineage, so the deleter
// writes this beside it, right after the delete; a later write of the key (the object
// created again) inherits it with the delete, and a node whose write the delete replaced
// learns from it whether the deleter had seen that write.
type Deletion struct {
	// Tombstone is the store version of the delete.
	Tombstone cluster.Version `json:"tombstone"`
	// Seen is the lineage of the value the deleter read, and that value's version.
	Seen Lineage `json:"seen"`
}

// CorePhase maps the reconciler's phase onto Kubernetes' (they are spelled the same).
func CorePhase(p reconcile.Phase) corev1.PodPhase {
	if p == "" {
		return corev1.PodPending
	}
	return corev1.PodPhase(p)
}
