package main

import (
	"context"
	"os"
	"os/signal"
	"path/filepath"
	"syscall"

	"github.com/spf13/cobra"

	"github.com/podman-swarm/podman-swarm/api"
	"github.com/podman-swarm/podman-swarm/ingress"
)

func newIngressCommand() *cobra.Command {
	var cfg ingress.Config
	var logLevel, tokenFile, caFile string
	hostname, _ := os.Hostname()
	cmd := &cobra.Command{
		Use:   "ingress",
		Short: "Run this node's HTTP ingress: Ingress hosts and paths proxied to Service endpoints",
		Long: `Run this node's HTTP ingress. It follows the agent's Ingresses and Service endpoints
(polled every second) and proxies each request, by host and path, round-robin to a ready
endpoint of the backend Service, preferring endpoints on this node (--node-name,
--node-address): while the node has a ready one, traffic stays on the node. With
--spread-all every ready endpoint takes its turn. Ingresses of --class and Ingresses
without a class are served.

HTTPS is served on --listen-tls once the certificate of some Ingress tls section is found in
--tls-dir, as <tls-dir>/<namespace>/<secretName>/tls.crt and tls.key; the client's SNI picks
the certificate.

The last state read from the agent is kept in --state-file: a restarted ingress serves it
while the agent is down. The agent's API token is read from --agent-token-file (the agent
writes it there) unless $SWARM_TOKEN is set.`,
		Example: `  swarm ingress --node-name node1 --node-address 198.18.0.11 --tls-dir ~/.config/swarm/tls`,
		Args:    cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			var err error
			if cfg.Logger, err = newLogger(logLevel); err != nil {
				return err
			}
			if cfg.Source, err = agentSource(cfg.Agent, tokenFile, caFile); err != nil {
				return err
			}
			ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGINT, syscall.SIGTERM)
			defer stop()
			s, err := ingress.Start(ctx, cfg)
			if err != nil {
				return err
			}
			return s.Wait()
		},
	}
	f := cmd.Flags()
	f.StringVar(&cfg.Listen, "listen", "0.0.0.0:80", "address of plain HTTP")
	f.StringVar(&cfg.ListenTLS, "listen-tls", "0.0.0.0:443", "address of HTTPS, opened once some certificate is available; empty for none")
	f.StringVar(&cfg.Agent, "agent", api.DefaultServer, "URL of this node's agent API")
	f.StringVar(&cfg.Class, "class", "swarm", "ingressClassName served; Ingresses without a class are served too")
	f.StringVar(&cfg.NodeName, "node-name", hostname, "this node's name in the cluster (as given to swarm agent), to prefer its endpoints")
	f.StringVar(&cfg.NodeAddress, "node-address", "", "this node's address, to prefer its endpoints")
	f.BoolVar(&cfg.SpreadAll, "spread-all", false, "round-robin over every ready endpoint, also when this node has one (default: keep traffic on the node)")
	f.StringVar(&cfg.TLSDir, "tls-dir", "", "folder of certificates: <tls-dir>/<namespace>/<secretName>/tls.crt and tls.key")
	f.StringVar(&cfg.StateFile, "state-file", filepath.Join(defaultStateDir(), "ingress-state.json"), "last known state, read at start so that the ingress serves while the agent is down; empty for none")
	addCompanionFlags(cmd, &tokenFile, &caFile)
	f.StringVar(&logLevel, "log-level", "info", "debug, info, warn or error")
	return cmd
}
