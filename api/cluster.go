package api

// JoinToken is the answer of the join-token endpoints: what another node needs to join.
type JoinToken struct {
	Token string   `json:"token"`
	Join  []string `json:"join"` // gossip addresses of the alive members
}

// Stats is the answer of /stats: counters an operator or a benchmark reads.
type Stats struct {
	Node                string `json:"node"`
	Leader              string `json:"leader"`
	Members             int    `json:"members"`
	StoreKeys           int    `json:"storeKeys"`
	GossipSentBytes     uint64 `json:"gossipSentBytes"`
	GossipReceivedBytes uint64 `json:"gossipReceivedBytes"`
	// HealthScore is the failure detector's score of this node itself: 0 healthy, more
	// when it has been slow to answer probes, which makes it judge its peers more slowly.
	HealthScore int `json:"healthScore"`
}
