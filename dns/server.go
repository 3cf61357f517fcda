package dns

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/netip"
	"os"
	"syscall"
	"time"

	mdns "github.com/miekg/dns"

	"github.com/podman-swarm/podman-swarm/internal/fielderr"
)

// Server is a node's cluster DNS: a Listener that answers from a Follower of the agent. It
// is a lifecycle.Runnable; its Follower is another, run beside it.
type Server struct {
	cfg       Config
	log       *slog.Logger
	listener  *Listener
	follower  *Follower
	upstreams []string
}

// New checks cfg, starts from the state file and binds the listener.
func New(cfg Config) (*Server, error) {
	log := cfg.Logger
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	log = log.With("component", "dns")
	if _, ok := mdns.IsDomainName(cfg.ClusterDomain); !ok || mdns.CountLabel(cfg.ClusterDomain) == 0 {
		return nil, fielderr.New("ClusterDomain", "%s %q is not a domain name", cfg.ClusterDomain)
	}
	if cfg.TTL < 0 || cfg.TTL > time.Hour {
		return nil, fielderr.New("TTL", "%s %s: want between 0s and 1h (a few seconds: endpoints move)", cfg.TTL)
	}
	upstreams, err := upstreamAddrs(cfg, log)
	if err != nil {
		return nil, err
	}
	follower, err := NewFollower(FollowerConfig{Agent: cfg.Agent, Token: cfg.AgentToken, TokenFile: cfg.AgentTokenFile, CAFile: cfg.AgentCAFile,
		StateFile: cfg.StateFile, Timeout: agentTimeout, Interval: cfg.PollInterval, Logger: log})
	if err != nil {
		return nil, err
	}
	hc := HandlerConfig{
		Domain:    cfg.ClusterDomain,
		TTL:       cfg.TTL,
		Source:    follower,
		Forwarder: &Upstreams{Addrs: upstreams, Timeout: cfg.UpstreamTimeout},
		Whitelist: follower.Whitelist(),
		Logger:    log,
	}
	ln, err := Listen(cfg.Listen, NewHandler(hc))
	switch {
	case errors.Is(err, syscall.EADDRINUSE):
		return nil, fielderr.New("Listen", "%[2]w: another server holds the port; systemd-resolved's stub on 127.0.0.53:53 takes it from 0.0.0.0:53 as well, so listen on this node's address: %[1]s <address>:53", err)
	case errors.Is(err, syscall.EACCES):
		return nil, fmt.Errorf("%w: a rootless server binds a port below 1024 only with net.ipv4.ip_unprivileged_port_start lowered (the package's sysctl.d file does)", err)
	case err != nil:
		return nil, err
	}
	return &Server{cfg: cfg, log: log, listener: ln, follower: follower, upstreams: upstreams}, nil
}

// Follower is what keeps the server's answers in step with the agent; run it beside the
// server.
func (s *Server) Follower() *Follower { return s.follower }

// Addr is the address the server is bound to.
func (s *Server) Addr() string { return s.listener.Addr() }

// Start serves DNS until ctx ends, then stops the listeners and returns.
func (s *Server) Start(ctx context.Context) error {
	if err := s.listener.activate(); err != nil {
		return err
	}
	s.log.Info("serving DNS", "listen", s.listener.Addr(), "domain", s.cfg.ClusterDomain, "agent", s.cfg.Agent,
		"upstreams", s.upstreams)
	return s.listener.serveUntil(ctx)
}

// upstreamAddrs is Upstreams with port 53 added where none is given, or else the node's
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
			return nil, fielderr.New("Upstreams", "%s %q: want an IP address, optionally with a port (1.1.1.1, 1.1.1.1:53, [2606:4700::1111]:53)", u)
		}
		out = append(out, net.JoinHostPort(host, port))
	}
	return out, nil
}
