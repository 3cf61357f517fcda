package store

import "time"

// PrefixClaim holds the PersistentVolumeClaims as the user applied them (JSON), written by
// the API; the leader deletes one that is being deleted (metadata.deletionTimestamp set)
// once no pod uses it, as Kubernetes' pvc-protection finalizer lets it go.
const PrefixClaim = "persistentvolumeclaim/"

// PrefixClaimBinding holds where each claim's volume lives: ClaimBinding (JSON) under
// claim/<ns>/<name>, written by the leader in the same atomic write as the plan that
// places the claim's first pod, so that no two pods on two nodes ever start on one claim.
const PrefixClaimBinding = "claim/"

// ClaimBindingKey is the key of a claim's binding, by the claim's key ("namespace/name").
func ClaimBindingKey(claimKey string) string { return PrefixClaimBinding + claimKey }

// ClaimBinding is the value under claim/<ns>/<name>: the node whose disk holds the
// claim's podman volume. It outlives the claim's pods, so that every later pod of the
// claim goes to that node.
//
// Once the claim is deleted and no pod uses it, the leader writes the binding again
// Released, with the claim's reclaim policy: the bound node then removes the volume
// (Delete) or leaves it (Retain). The released record stays, so that a node away at the
// time removes the volume when it returns, until a claim of the same name binds anew.
type ClaimBinding struct {
	Node    string    `json:"node"`
	BoundAt time.Time `json:"boundAt"`
	// Released is when the claim was deleted with no pod using it; zero while it exists.
	Released time.Time `json:"released,omitzero"`
	// Reclaim is the claim's reclaim policy ("Delete" or "Retain"), set with Released.
	Reclaim string `json:"reclaim,omitempty"`
}
