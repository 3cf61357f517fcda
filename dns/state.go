package dns

import (
	"github.com/podman-swarm/podman-swarm/discovery"
)

// endpointList is the agent's answer to GET /api/v1/endpoints.
type endpointList struct {
	Items []discovery.Service `json:"items"`
}

// followedState is what the follower read from the agent, and the state file's content: the
// endpoints' list with the whitelist beside its items.
type followedState struct {
	Items     []discovery.Service `json:"items"`
	Whitelist WhitelistSpec       `json:"whitelist"`
}

// normalizeFollowed checks the whitelist of a state read from the state file.
func normalizeFollowed(st followedState) (followedState, error) {
	wl, err := st.Whitelist.Normalize()
	st.Whitelist = wl
	return st, err
}
