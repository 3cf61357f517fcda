package main

import (
	"log/slog"
	"os"
	"path/filepath"

	"github.com/spf13/cobra"

	"github.com/podman-swarm/podman-swarm/agent"
	"github.com/podman-swarm/podman-swarm/ingress"
)

func newIngressCommand() *cobra.Command {
	cfg := ingress.DefaultConfig()
	cfg.NodeName, _ = os.Hostname()
	cfg.StateFile = filepath.Join(defaultStateDir(), "ingress-state.json")
	cfg.PortsFile = filepath.Join(defaultStateDir(), agent.IngressPortsFile)
	var cf companionFlags
	cmd := &cobra.Command{
		Use:   "ingress",
		Short: "Run this node's ingress: Ingress hosts and paths proxied to Service endpoints, and the Services' node ports",
		Long: `Run this node's HTTP ingress. It follows the agent's Ingresses and Service endpoints
(listed, then watched) and proxies each request, by host and path, round-robin to a ready
endpoint of the backend Service, preferring endpoints on this node (--node-name,
--node-address): while the node has a ready one, traffic stays on the node. With
--spread-all every ready endpoint takes its turn. Ingresses of --class and Ingresses
without a class are served.

HTTPS is served on --listen-tls once the certificate of some Ingress tls section is found in
--tls-dir, as <tls-dir>/<namespace>/<secretName>/tls.crt and tls.key; the client's SNI picks
the certificate.

It also forwards the node ports of NodePort and LoadBalancer Services (unless
--no-node-ports): on the host of --listen, every node port (the cluster allocates them from
30000-32767 by default; TCP or UDP as the Service port says) and, for a LoadBalancer
Service, its own port where this node can bind it (not the ingress's own --listen and
--listen-tls ports, nor a port another process holds or one below
net.ipv4.ip_unprivileged_port_start: those are skipped and logged, and tried again later).
Each connection goes round-robin to a ready endpoint of the Service, on any node; an
endpoint that refuses is skipped for the next. A UDP client keeps its endpoint until it is
idle for 30 s. The ports opened are written to --ports-file.

The last state read from the agent is kept in --state-file: a restarted ingress serves it
while the agent is down. The agent's API token is read from --agent-token-file (the agent
writes it there) unless $SWARM_TOKEN is set.`,
		Example: `  swarm ingress --node-name node1 --node-address 198.18.0.11 --tls-dir ~/.config/swarm/tls`,
		Args:    cobra.NoArgs,
		RunE: func(*cobra.Command, []string) error {
			return runCompanion("ingress", cf, ingressFlags, func(log *slog.Logger, token, tokenFile string) (*ingress.Server, error) {
				cfg.Logger, cfg.AgentToken, cfg.AgentTokenFile = log, token, tokenFile
				return ingress.New(cfg)
			}, (*ingress.Server).Follower)
		},
	}
	f := cmd.Flags()
	f.StringVar(&cfg.Listen, "listen", cfg.Listen, "address of plain HTTP")
	f.StringVar(&cfg.ListenTLS, "listen-tls", cfg.ListenTLS, "address of HTTPS, opened once some certificate is available; empty for none")
	f.StringVar(&cfg.Agent, "agent", cfg.Agent, "URL of this node's agent API")
	f.StringVar(&cfg.Class, "class", cfg.Class, "ingressClassName served; Ingresses without a class are served too")
	f.StringVar(&cfg.NodeName, "node-name", cfg.NodeName, "this node's name in the cluster (as given to swarm agent), to prefer its endpoints")
	f.StringVar(&cfg.NodeAddress, "node-address", cfg.NodeAddress, "this node's address, to prefer its endpoints")
	f.BoolVar(&cfg.SpreadAll, "spread-all", cfg.SpreadAll, "round-robin over every ready endpoint, also when this node has one (default: keep traffic on the node)")
	f.StringVar(&cfg.TLSDir, "tls-dir", cfg.TLSDir, "folder of certificates: <tls-dir>/<namespace>/<secretName>/tls.crt and tls.key")
	f.StringVar(&cfg.StateFile, "state-file", cfg.StateFile, "last known state, read at start so that the ingress serves while the agent is down; empty for none")
	f.BoolVar(&cfg.NoNodePorts, "no-node-ports", cfg.NoNodePorts, "do not forward the node ports of NodePort and LoadBalancer Services on this node")
	f.StringVar(&cfg.PortsFile, "ports-file", cfg.PortsFile, "where the Service ports this node opened are listed (JSON); empty for none")
	addCompanionFlags(cmd, &cf, &cfg.AgentCAFile)
	return cmd
}

// ingressFlags names the fields of ingress.Config that its errors speak of as swarm
// ingress's flags.
var ingressFlags = map[string]string{"Agent": "--agent"}
