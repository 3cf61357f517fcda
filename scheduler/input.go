package scheduler

import (
	"time"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"

	"github.com/podman-swarm/podman-swarm/manifest"
)

// Input is everything Plan decides from. Plan never modifies it, and the order of its slices
// does not matter.
type Input struct {
	// Deployments are the desired Deployments: validated, namespace set, one per
	// namespace/name.
	Deployments []*appsv1.Deployment
	// DaemonSets are the desired DaemonSets: validated, namespace set, one per
	// namespace/name. Each runs one pod on every node that matches its template's
	// nodeSelector (and nodeName), pinned there: a pod of a DaemonSet never moves.
	DaemonSets []*appsv1.DaemonSet
	// Pods are the bare Pod manifests the user applied, and the pods the Jobs are to run
	// (see StepJob): validated, namespace set, one per namespace/name.
	Pods []*corev1.Pod
	// StatefulSets are the desired StatefulSets: validated, namespace set, one per
	// namespace/name. Their pods are named <set>-<ordinal> and keep their claims (made
	// from the volumeClaimTemplates, see Output.NewClaims) for good.
	StatefulSets []*appsv1.StatefulSet
	// DeletePods names the pods of StatefulSets ("namespace/name") the user asked to
	// delete: each is removed (Output.DeletedPods), and made again by the next plan, with
	// the set's current template.
	DeletePods map[string]bool
	// HeldPods names the pods of StatefulSets deleted at the user's request whose old pod
	// may still be stopping on its node, with when it may be made again: until then the
	// plan does not make it (and Output.RecheckAt asks for a plan at that time).
	HeldPods map[string]time.Time
	// Assignments are the store's current pod -> node assignments, one per pod, with the
	// status that the pod's node last reported.
	Assignments []Assignment
	// Nodes is the membership: every node the cluster layer knows, in whatever state. A
	// pod assigned to a node missing from this list is treated as on a node that has left,
	// unless it is pinned there (see Pinned).
	Nodes []Node
	// Known names the members the plan needs a majority of: every member the cluster knows
	// that has neither left nor been removed, whether alive, suspect, dead or only
	// remembered. Unless more than half of them are alive in Nodes, Plan creates and
	// deletes nothing and says why in Output.NoQuorum: a leader on the small side of a
	// partition must not place again the pods it can no longer see, which the other side
	// still runs. Nil: no quorum is required.
	Known []string
	// RollingOut names the Deployments ("namespace/name") whose rollout the caller knows
	// to be under way; with those that still run pods of an older template, they are
	// served first when pods compete for a host port (see servingOrder). A rollout that
	// removed its last old pod before its replacement could be placed has no old pod left
	// to tell it by.
	RollingOut map[string]bool
	// Claims are the PersistentVolumeClaims, by key ("namespace/name"). A pod whose claim
	// is missing is not placed; one already placed keeps running.
	Claims map[string]Claim
	// Now is the time against which DeadGrace and the Deployments' minReadySeconds are
	// measured.
	Now time.Time
	// DeadGrace is how long a dead node keeps its pods before they are placed elsewhere.
	DeadGrace time.Duration
	// Seed breaks placement ties: the same Input gives the same Output.
	Seed uint64
	// Config finds the ConfigMaps and Secrets of the cluster: a new pod that needs one
	// that is missing (not optional) is not placed and stays Pending with the kubelet's
	// reason (see missingConfig). The versions of those a Deployment's pods take when
	// their containers are created (env, envFrom, secret volumes) are part of its
	// template's hash (manifest.DeploymentHash): a change of one rolls the Deployment out
	// as a template change does, under its strategy. Nil: pods are placed without looking.
	Config manifest.ConfigLookup
}

// NodeState is a node's membership state, as the cluster layer reports it.
type NodeState string

// The states of a node. A state Plan does not know is handled like NodeSuspect: the node
// keeps its pods and takes no new ones.
const (
	NodeAlive   NodeState = "alive"   // takes new pods
	NodeSuspect NodeState = "suspect" // keeps its pods, takes no new ones
	NodeDead    NodeState = "dead"    // keeps its pods for the grace period, then loses them
	NodeLeft    NodeState = "left"    // left gracefully: its pods are placed elsewhere at once, pinned ones excepted
	NodeRemoved NodeState = "removed" // removed for good: all its pods are placed elsewhere at once

	// NodeAgentDown is a node whose agent stopped answering while its workloads were not
	// found gone (the agent's liveness verdict): it keeps its pods, however long, and takes
	// no new ones.
	NodeAgentDown NodeState = "agent down"
)

// Node is one member of the cluster.
type Node struct {
	Name   string
	Labels map[string]string
	State  NodeState
	// Since is when the node entered State; Plan reads it only for dead nodes.
	Since time.Time
}

// Assignment is one pod placed on one node.
type Assignment struct {
	Pod  manifest.Pod
	Node string
	// Status is what the node observed; the zero value (not reported yet) counts as not
	// ready. Plan leaves it zero in the assignments it creates.
	Status PodStatus
	// PodIP is the pod's own address; "" for a pod placed before pods had one. Such a pod
	// publishes every container port on its node (hostPort, else containerPort) and
	// holds them all there; a pod with a PodIP, and every pod Plan creates, holds only its
	// explicit hostPorts (its other ports go to node ports its node picks). Plan leaves
	// it empty in the assignments it creates: the caller gives the address.
	PodIP string
}

// PodStatus is what a node reports about a pod it runs.
type PodStatus struct {
	Phase corev1.PodPhase // "" until the node reports
	Ready bool            // every container is ready
	// ReadySince is when the pod last turned ready. A Deployment's pod is available once
	// it has been ready for the Deployment's minReadySeconds, measured on Input.Now; a
	// ready pod without it (reported before nodes said when) counts as ready long enough.
	ReadySince time.Time
}
