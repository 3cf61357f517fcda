package scheduler

import (
	"time"

	corev1 "k8s.io/api/core/v1"

	"github.com/podman-swarm/podman-swarm/manifest"
)

// Output is what the caller writes into the store. Apply Delete before Create: a pod that
// moves appears in both, under the same pod key, with its old node in Delete and its new
// node in Create.
type Output struct {
	// Create lists the assignments to write, sorted by pod key. An entry may replace an
	// assignment of the same pod on the same node: that is a bare Pod whose manifest
	// changed and still fits its node.
	Create []Assignment
	// Delete lists the assignments to remove, sorted by pod key then node.
	Delete []Removal
	// Pending lists the pods that should run but fit no node, and the pinned pods whose
	// node is gone (they stay assigned to it), sorted by pod key. It is a status, not a
	// change: the same pods stay listed, for the same reasons, until something in the
	// cluster changes.
	Pending []Pending
	// RecheckAt is when a dead node's grace period ends, or when a Deployment's pod that
	// is ready becomes available (ready for minReadySeconds), so Plan may have something
	// new to say even if nothing else changes; zero when nothing waits on the clock.
	RecheckAt time.Time
	// Deployments counts each Deployment's pods once the plan is applied, by the
	// Deployment's key ("namespace/name"): what its rollout's progress is measured by.
	Deployments map[string]DeploymentCounts
	// DaemonSets counts each DaemonSet's nodes once the plan is applied, by the
	// DaemonSet's key ("namespace/name"): what its status shows. Nil without DaemonSets.
	DaemonSets map[string]DaemonSetCounts
	// Bind names the claims this plan binds, claim key -> node: those not bound in the
	// input that a pod placed now or before uses. The caller records them in the same
	// write as the assignments.
	Bind map[string]string
	// Unused lists the claims being deleted that no pod uses once the plan is applied,
	// sorted: the caller deletes them, as Kubernetes' pvc-protection lets them go.
	Unused []string
	// NewClaims are the claims of StatefulSets' volumeClaimTemplates that did not exist,
	// sorted by key: the plan already places their pods on them, so the caller writes them
	// in the same write as the assignments and the bindings.
	NewClaims []*corev1.PersistentVolumeClaim
	// DeletedPods are the pods of Input.DeletePods this plan removes, sorted: the caller
	// deletes their requests with their assignments.
	DeletedPods []string
	// NoQuorum says why the plan is empty when fewer than a majority of Input.Known are
	// alive; empty otherwise. The caller then writes nothing, not even the pending list.
	NoQuorum string
}

// Empty reports whether the plan changes nothing in the store.
func (o Output) Empty() bool {
	return len(o.Create) == 0 && len(o.Delete) == 0 && len(o.Bind) == 0 && len(o.Unused) == 0 && len(o.NewClaims) == 0
}

// Removal is one assignment to delete, and why (for logs and events).
type Removal struct {
	Assignment
	Reason string
}

// Pending is a pod that should run but fits no node.
type Pending struct {
	Pod manifest.Pod
	// Reason says why no node fits, the way kubectl does: "0/3 nodes are available:
	// 2 node(s) didn't match nodeSelector, 1 node(s) have port 8080/TCP in use."
	Reason string
	// Node is the node a pinned pod stays assigned to while that node is gone (see
	// Pinned); "" for a pod that fits no node.
	Node string
}

// DeploymentCounts are a Deployment's pods as a plan leaves them. A pod the plan creates
// counts as updated and not available.
type DeploymentCounts struct {
	Updated   int // pods of the current template
	Available int // of those, available: ready for minReadySeconds on an alive node
	Old       int // pods of older templates
	// AllAvailable counts the available pods of every template.
	AllAvailable int
}
