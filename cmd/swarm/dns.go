package main

import (
	"log/slog"
	"path/filepath"

	"github.com/spf13/cobra"

	"github.com/podman-swarm/podman-swarm/dns"
)

func newDNSCommand() *cobra.Command {
	cfg := dns.DefaultConfig()
	cfg.StateFile = filepath.Join(defaultStateDir(), "dns-state.json")
	var cf companionFlags
	cmd := &cobra.Command{
		Use:   "dns",
		Short: "Run this node's cluster DNS: Service names answered, other names forwarded",
		Long: `Run this node's cluster DNS, on UDP and TCP. It follows the agent's Service endpoints
(listed, then watched) and answers, with the short --ttl:

  <service>.<namespace>.svc.<domain>, <service>.<namespace>.<domain>
      A/AAAA: one per node address of the Service's ready endpoints
  _<port>._<proto>.<service>.<namespace>.svc.<domain>
      SRV: the port published on each node, target <node>.node.<domain>
  <node>.node.<domain>
      A/AAAA: the node's address

An unknown name under the domain is NXDOMAIN; a Service without ready endpoints is NODATA.
Pods reach the short forms through their search path (<namespace>.svc.<domain> svc.<domain>
<domain>). The agent gives every pod that search path, ndots:5 and this server as its
resolver at the node's address (swarm agent --pod-dns and --cluster-domain), which the
default --listen 0.0.0.0:53 answers at.

Every other name is forwarded to --upstream, by default the resolvers of --resolv-conf
other than this server itself (8.8.8.8 and 8.8.4.4 when there is none). When the cluster's
whitelist is enabled (swarm dns whitelist), only the hosts listed and their subdomains are
forwarded, other names are REFUSED, and an answer that is an alias (CNAME) of a name
outside the list is refused too.

The last endpoints and whitelist read from the agent are kept in --state-file: a restarted
server answers (and filters) with them while the agent is down. The agent's API token is
read from --agent-token-file (the agent writes it there) unless $SWARM_TOKEN is set.

Where systemd-resolved's stub listens on 127.0.0.53:53 (Fedora, Ubuntu), 0.0.0.0:53 cannot
be bound: listen on the node's address, the one the pods' DNS= points at.`,
		Example: `  swarm dns --listen 198.18.0.11:53
  swarm dns --listen 127.0.0.1:5353 --upstream 1.1.1.1 --upstream 9.9.9.9
  swarm dns whitelist set example.com debian.org`,
		Args: cobra.NoArgs,
		RunE: func(*cobra.Command, []string) error {
			return runCompanion("dns", cf, dnsFlags, func(log *slog.Logger, token, tokenFile string) (*dns.Server, error) {
				cfg.Logger, cfg.AgentToken, cfg.AgentTokenFile = log, token, tokenFile
				return dns.New(cfg)
			}, (*dns.Server).Follower)
		},
	}
	f := cmd.Flags()
	f.StringVar(&cfg.Listen, "listen", cfg.Listen, "address to answer at, UDP and TCP")
	f.StringVar(&cfg.Agent, "agent", cfg.Agent, "URL of this node's agent API")
	f.StringVar(&cfg.ClusterDomain, "cluster-domain", cfg.ClusterDomain, "the domain of the cluster's names")
	f.StringArrayVar(&cfg.Upstreams, "upstream", cfg.Upstreams, "resolver for names outside the cluster, IP[:port]; repeatable, tried in order (default: the resolvers of --resolv-conf)")
	f.DurationVar(&cfg.UpstreamTimeout, "upstream-timeout", cfg.UpstreamTimeout, "how long to wait for one upstream before the next")
	f.StringVar(&cfg.ResolvConf, "resolv-conf", cfg.ResolvConf, "where the node's resolvers are read when no --upstream is given")
	f.StringVar(&cfg.StateFile, "state-file", cfg.StateFile, "last known endpoints, read at start so that the server answers while the agent is down; empty for none")
	f.DurationVar(&cfg.TTL, "ttl", cfg.TTL, "TTL of the cluster's answers, positive and negative")
	addCompanionFlags(cmd, &cf, &cfg.AgentCAFile)
	f.DurationVar(&cfg.PollInterval, "poll-interval", cfg.PollInterval, "the longest wait before the endpoints are listed again after the agent's watch broke (or, from an agent that cannot watch, how often they are read)")
	cmd.AddCommand(newDNSWhitelistCommand())
	return cmd
}

// dnsFlags names the fields of dns.Config that its errors speak of as swarm dns's flags.
var dnsFlags = map[string]string{
	"Listen": "--listen", "Agent": "--agent", "ClusterDomain": "--cluster-domain", "Upstreams": "--upstream", "TTL": "--ttl",
}
