package store

import "time"

// PrefixStatefulSet holds the StatefulSets as the user applied them (apps/v1, JSON),
// written by the API. Their pods' assignments are the leader's, as a Deployment's are, and
// so are the claims their volumeClaimTemplates make (persistentvolumeclaim/), written with
// the assignments of the pods that use them first.
const PrefixStatefulSet = "statefulset/"

// PrefixPodDeletion holds the requests to delete a pod of a StatefulSet (`swarm delete pod
// NAME`): PodDeletion (JSON) under poddeletion/<ns>/<pod>, written by the API. The leader
// removes the pod's assignment and marks the request served in one write; once the old pod
// had the time to stop (its node's drain and its grace period, see Until), the request goes
// and the StatefulSet makes the pod again, under its name, with its current template (how
// OnDelete takes a pod to a new template, and how one pod is restarted). Made again sooner,
// the pod would come back to its node while it still ran there, which keeps it running as
// it was (a pod that comes back while it drains is not stopped), and nothing would restart.
const PrefixPodDeletion = "poddeletion/"

// PodDeletionKey is the key of the request to delete a pod, by the pod's key.
func PodDeletionKey(podKey string) string { return PrefixPodDeletion + podKey }

// PodDeletion is the value under poddeletion/<ns>/<pod>.
type PodDeletion struct {
	// Node is the node the pod ran on when the user asked: a request outlived by a move
	// of the pod to another node is still honoured, it was about that pod.
	Node      string    `json:"node"`
	Requested time.Time `json:"requested"`
	// Until is set when the leader removed the pod: the pod is not made again before it.
	Until time.Time `json:"until,omitzero"`
}
