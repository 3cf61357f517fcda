package store

import "time"

// Liveness is the leader's verdict on a member, as `swarm get nodes` shows it.
type Liveness string

// The verdicts. A member whose agent answers is Ready; one whose agent stopped answering
// (the membership declared it dead) is AgentDown while its workloads still answer, or
// have not been silent for the confirm period yet, and Lost after that: only then do its
// pods move and its endpoints leave the Services.
const (
	LivenessReady     Liveness = "Ready"
	LivenessAgentDown Liveness = "AgentDown"
	LivenessLost      Liveness = "Lost"
)

// NodeLiveness is the value under node/<name>: the leader's verdict on one member whose
// agent stopped answering, why, and since when. Ready members, and members that left or
// were removed, have none.
type NodeLiveness struct {
	Node   string   `json:"node"`
	Status Liveness `json:"status"`
	Reason string   `json:"reason"`
	// Since is when the verdict was reached, on the judging leader's clock.
	Since time.Time `json:"since"`
	// Leader is the node that judged.
	Leader string `json:"leader"`
}

// Lost reports whether v says the member is lost; nil (no verdict) is not.
func (v *NodeLiveness) Lost() bool { return v != nil && v.Status == LivenessLost }
