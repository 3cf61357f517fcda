package dns

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/netip"
	"os"
	"sync"
	"syscall"
	"time"

	mdns "github.com/miekg/dns"
)

// Config configures the cluster DNS server of a node.
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

// Run serves DNS until ctx ends.
func Run(ctx context.Context, cfg Config) error {
	log := cfg.Logger
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	log = log.With("component", "dns")
	if _, ok := mdns.IsDomainName(cfg.ClusterDomain); !ok || mdns.CountLabel(cfg.ClusterDomain) == 0 {
		return fmt.Errorf("--cluster-domain %q is not a domain name", cfg.ClusterDomain)
	}
	if cfg.TTL < 0 || cfg.TTL > time.Hour {
		return fmt.Errorf("--ttl %s: want between 0s and 1h (a few seconds: endpoints move)", cfg.TTL)
	}
	upstreams, err := upstreamAddrs(cfg, log)
	if err != nil {
		return err
	}
	follower, err := NewFollower(FollowerConfig{Agent: cfg.Agent, Token: cfg.AgentToken, TokenFile: cfg.AgentTokenFile, CAFile: cfg.AgentCAFile,
		StateFile: cfg.StateFile, Timeout: 2 * time.Second, Logger: log})
	if err != nil {
		return err
	}
	hc := HandlerConfig{
		Domain:    cfg.ClusterDomain,
		TTL:       cfg.TTL,
		Source:    follower,
		Forwarder: &Upstreams{Addrs: upstreams, Timeout: cfg.UpstreamTimeout},
		Whitelist: follower.Whitelist(),
		Logger:    log,
	}
	srv, err := Listen(cfg.Listen, NewHandler(hc))
	switch {
	case errors.Is(err, syscall.EADDRINUSE):
		return fmt.Errorf("%w: another server holds the port; systemd-resolved's stub on 127.0.0.53:53 takes it from 0.0.0.0:53 as well, so listen on this node's address: --listen <address>:53", err)
	case errors.Is(err, syscall.EACCES):
		return fmt.Errorf("%w: a rootless server binds a port below 1024 only with net.ipv4.ip_unprivileged_port_start lowered (the package's sysctl.d file does)", err)
	case err != nil:
		return err
	}
	// The loops end with ctx; Run returns after them, so that nothing writes the state file
	// after it.
	var wg sync.WaitGroup
	defer wg.Wait()
	ctx, cancel := context.WithCancel(ctx)
	defer cancel() // before the Wait: also when Start fails
	wg.Go(func() { follower.Run(ctx, cfg.PollInterval) })
	if err := srv.Start(); err != nil {
		return err
	}
	log.Info("serving DNS", "listen", srv.Addr(), "domain", cfg.ClusterDomain, "agent", cfg.Agent,
		"upstreams", upstreams)
	<-ctx.Done()
	shutdown, stop := context.WithTimeout(context.Background(), 5*time.Second)
	defer stop()
	return srv.Shutdown(shutdown)
}

// upstreamAddrs is --upstream with port 53 added where none is given, or else the node's
// resolvers.
func upstreamAddrs(cfg Config, log *slog.Logger) ([]string, error) {
	if len(cfg.Upstreams) == 0 {
		data, err := os.ReadFile(cfg.ResolvConf)
		if err != nil {
			log.Warn("cannot read the node's resolvers", "err", err)
		}
		addrs, fallback := DefaultUpstreams(data, cfg.Listen, LocalAddrs())
		if fallback {
			log.Warn("no resolver in resolv.conf but this server: forwarding to public resolvers; set --upstream", "resolv_conf", cfg.ResolvConf, "upstreams", addrs)
		}
		return addrs, nil
	}
	var out []string
	for _, u := range cfg.Upstreams {
		if a, err := netip.ParseAddr(u); err == nil {
			out = append(out, net.JoinHostPort(a.String(), "53"))
			continue
		}
		host, port, err := net.SplitHostPort(u)
		if _, perr := netip.ParseAddr(host); err != nil || perr != nil || port == "" {
			return nil, fmt.Errorf("--upstream %q: want an IP address, optionally with a port (1.1.1.1, 1.1.1.1:53, [2606:4700::1111]:53)", u)
		}
		out = append(out, net.JoinHostPort(host, port))
	}
	return out, nil
}
