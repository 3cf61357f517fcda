package ingress

import (
	"log/slog"
	"time"

	"github.com/podman-swarm/podman-swarm/api"
)

// Config is the configuration of one node's ingress. Errors about a field's value name the
// field (see package fielderr).
type Config struct {
	Listen    string // plain HTTP address
	ListenTLS string // HTTPS address, opened once some certificate is available; "" never
	Agent     string // base URL of the agent's API
	// AgentToken is the API token for the agent; "" sends none, or AgentTokenFile's, read at
	// each poll.
	AgentToken     string
	AgentTokenFile string
	AgentCAFile    string // verifies an https agent, with the system's roots
	Class          string // the ingressClassName served (Ingresses without a class are served too)
	NodeName       string // this node, to prefer its endpoints
	NodeAddress    string // this node's address, the same by address
	// SpreadAll sends requests round-robin to every ready endpoint, this node's or not,
	// instead of keeping traffic on the node when it has one.
	SpreadAll bool
	TLSDir    string // <dir>/<namespace>/<secretName>/tls.crt and tls.key
	StateFile string // last known state; "" keeps none
	// NoNodePorts leaves the ports of NodePort and LoadBalancer Services closed on this
	// node (see package l4); by default they are forwarded, on the host of Listen.
	NoNodePorts bool
	// PortsFile receives the Service ports this node opened (l4.ReadOpened reads it); ""
	// writes none.
	PortsFile string

	// The durations below take DefaultConfig's where they are 0.
	PollInterval time.Duration // of the agent
	DownFor      time.Duration // how long an endpoint that refused a connection is skipped
	DialTimeout  time.Duration
	CertReload   time.Duration // how often certificate files are read again
	Logger       *slog.Logger  // nil: slog.Default()
}

// DefaultConfig is the configuration of a node's ingress where nothing else is said: every
// address on ports 80 and 443, the node's own agent, class swarm, no state file.
func DefaultConfig() Config {
	return Config{
		Listen:       "0.0.0.0:80",
		ListenTLS:    "0.0.0.0:443",
		Agent:        api.DefaultServer,
		Class:        "swarm",
		PollInterval: time.Second,
		DownFor:      5 * time.Second,
		DialTimeout:  2 * time.Second,
		CertReload:   30 * time.Second,
	}
}

// withDefaults fills the durations left at 0 and the logger.
func withDefaults(cfg Config) Config {
	def := DefaultConfig()
	for _, d := range []struct{ v, def *time.Duration }{
		{&cfg.PollInterval, &def.PollInterval}, {&cfg.DownFor, &def.DownFor},
		{&cfg.DialTimeout, &def.DialTimeout}, {&cfg.CertReload, &def.CertReload},
	} {
		if *d.v <= 0 {
			*d.v = *d.def
		}
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.Default()
	}
	return cfg
}
