package dns

import (
	"log/slog"
	"time"

	"github.com/podman-swarm/podman-swarm/api"
)

// Config configures the cluster DNS server of a node. Errors about a field's value name the
// field (see package fielderr).
type Config struct {
	Listen          string        // host:port, UDP and TCP
	Agent           string        // the agent's API URL
	AgentToken      string        // API token for the agent; "" sends none, or AgentTokenFile's
	AgentTokenFile  string        // read at each poll when AgentToken is empty
	AgentCAFile     string        // verifies an https agent, with the system's roots
	ClusterDomain   string        // e.g. cluster.local
	Upstreams       []string      // host or host:port; none: the node's resolvers
	UpstreamTimeout time.Duration // per upstream and try
	ResolvConf      string        // where the node's resolvers are read, /etc/resolv.conf
	StateFile       string        // last known endpoints; "" for none
	TTL             time.Duration // of cluster answers
	PollInterval    time.Duration // of the agent
	Logger          *slog.Logger
}

// DefaultConfig is the configuration of a node's server where nothing else is said: every
// address on port 53, the node's own agent, the node's resolvers, no state file.
func DefaultConfig() Config {
	return Config{
		Listen:          "0.0.0.0:53",
		Agent:           api.DefaultServer,
		ClusterDomain:   "cluster.local",
		UpstreamTimeout: 2 * time.Second,
		ResolvConf:      "/etc/resolv.conf",
		TTL:             5 * time.Second,
		PollInterval:    time.Second,
	}
}

// agentTimeout bounds one request to the agent.
const agentTimeout = 2 * time.Second
