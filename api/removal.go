package api

import "time"

// NodeRemoval is the answer of DELETE /api/v1/nodes/NAME, which removes a node from the
// cluster for good. It does not carry the new join token: GET /api/v1/join-token has it.
type NodeRemoval struct {
	Name string `json:"name"`
	// RemovedBy is the node that carried the removal out: the one that answered.
	RemovedBy string `json:"removedBy"`
	// JoinTokenRotated is true once the join token was replaced on every alive member but
	// the removed one; nodes that were down meanwhile must be started with the new one.
	JoinTokenRotated bool `json:"joinTokenRotated"`
	// RevokedTokens are the API tokens the node had minted for itself, now revoked.
	RevokedTokens []TokenInfo `json:"revokedTokens"`
	// TokensMadeWithRevoked are the active tokens that were made with those: they stay, and
	// are listed so that they can be revoked too.
	TokensMadeWithRevoked []TokenInfo `json:"tokensMadeWithRevoked"`
}

// Removal is a node removed from the cluster for good, whose name every member refuses,
// as GET /api/v1/removals lists it and DELETE /api/v1/removals/NAME (which lets the name
// join again) answers it.
type Removal struct {
	Name      string    `json:"name"`
	Addr      string    `json:"addr,omitempty"` // its last known gossip address
	RemovedBy string    `json:"removedBy"`
	Removed   time.Time `json:"removed"` // by the remover's clock
}
