package dns

import (
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"reflect"
	"strings"
	"sync/atomic"
	"time"

	"github.com/podman-swarm/podman-swarm/api"
	"github.com/podman-swarm/podman-swarm/discovery"
)

// Follower keeps the catalog and the whitelist in step with the agent: it polls GET
// /api/v1/endpoints and /api/v1/dns/whitelist, keeps the last good answer while the agent is
// unreachable, and persists it to a state file so that a restarted server answers (and
// filters) as before even while the agent is down.
type Follower struct {
	agent     *api.Client
	stateFile string
	log       *slog.Logger

	current   atomic.Pointer[Catalog]
	whitelist FollowedWhitelist
	last      followedState // the loop's own copy
	lastRaw   api.Answers   // the agent's answers that gave last, as they came
	failing   bool
}

// The agent's answers the follower reads, in this order.
var followedPaths = []string{"/api/v1/endpoints", "/api/v1/dns/whitelist"}

var _ Source = (*Follower)(nil)

// FollowerConfig configures a Follower.
type FollowerConfig struct {
	Agent     string        // the agent's API URL, e.g. http://127.0.0.1:7070
	Token     string        // API token; "" sends none, or the one in TokenFile
	TokenFile string        // read at each poll when Token is empty
	CAFile    string        // verifies an https agent, with the system's roots
	StateFile string        // "" keeps no state
	Timeout   time.Duration // of one request to the agent
	Logger    *slog.Logger
}

// NewFollower starts from the state file when there is one, else from no Services and no
// whitelist.
func NewFollower(cfg FollowerConfig) (*Follower, error) {
	client, err := api.NewClient(api.ClientConfig{Server: cfg.Agent, Token: cfg.Token, TokenFile: cfg.TokenFile, CAFile: cfg.CAFile, Timeout: cfg.Timeout})
	if err != nil {
		return nil, fmt.Errorf("--agent: %w", err)
	}
	f := &Follower{agent: client, stateFile: cfg.StateFile, log: cfg.Logger}
	if f.log == nil {
		f.log = slog.New(slog.DiscardHandler)
	}
	f.current.Store(NewCatalog(nil, serialNow(0)))
	if f.stateFile == "" {
		return f, nil
	}
	st, ok, err := loadState(f.stateFile)
	if err != nil {
		return nil, err
	}
	if ok {
		f.last = st
		f.current.Store(NewCatalog(st.Items, serialNow(0)))
		f.whitelist.Set(st.Whitelist)
		f.log.Info("serving the last known endpoints and whitelist until the agent answers", "file", f.stateFile,
			"services", len(st.Items), "whitelist", st.Whitelist.Enabled)
	}
	return f, nil
}

// Catalog implements Source.
func (f *Follower) Catalog() *Catalog { return f.current.Load() }

// Whitelist is the whitelist as last read; it admits every name while it is disabled.
func (f *Follower) Whitelist() Whitelist { return &f.whitelist }

// Run polls the agent every interval until ctx ends.
func (f *Follower) Run(ctx context.Context, interval time.Duration) {
	t := time.NewTicker(interval)
	defer t.Stop()
	for {
		f.Poll(ctx)
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}

// Poll asks the agent once and applies a changed answer. A failure keeps the catalog as it
// is; it is logged when the agent stops answering and again when it comes back. Answers the
// same as the last ones, byte for byte, are not decoded again.
func (f *Follower) Poll(ctx context.Context) {
	raw, err := f.agent.GetAnswers(ctx, followedPaths...)
	unchanged := err == nil && raw.Same(f.lastRaw)
	var st followedState
	if err == nil && !unchanged {
		st, err = decodeFollowed(raw)
	}
	if err != nil {
		if !f.failing && ctx.Err() == nil {
			f.log.Warn("the agent does not answer; serving the last known endpoints and whitelist", "agent", f.agent.Server, "err", err)
		}
		f.failing = ctx.Err() == nil
		return
	}
	if f.failing {
		f.log.Info("the agent answers again", "agent", f.agent.Server)
		f.failing = false
	}
	if unchanged {
		return
	}
	f.lastRaw = raw
	if reflect.DeepEqual(st, f.last) {
		return
	}
	logChanges(f.log, f.last.Items, st.Items)
	if !reflect.DeepEqual(st.Whitelist, f.last.Whitelist) {
		f.log.Info("whitelist changed", "enabled", st.Whitelist.Enabled, "hosts", st.Whitelist.Hosts)
	}
	f.last = st
	f.current.Store(NewCatalog(st.Items, serialNow(f.current.Load().serial)))
	f.whitelist.Set(st.Whitelist)
	if f.stateFile != "" {
		if err := saveState(f.stateFile, st); err != nil {
			f.log.Warn("cannot save the last known endpoints; a restart while the agent is down would start empty", "err", err)
		}
	}
}

// decodeFollowed reads the agent's answers to followedPaths.
func decodeFollowed(raw api.Answers) (followedState, error) {
	var st followedState
	if err := json.Unmarshal(raw[0], &st); err != nil {
		return st, fmt.Errorf("decode the agent's endpoints: %w", err)
	}
	if st.Items == nil {
		st.Items = []discovery.Service{}
	}
	st.Whitelist = WhitelistSpec{}
	if err := json.Unmarshal(raw[1], &st.Whitelist); err != nil {
		return st, fmt.Errorf("decode the agent's whitelist: %w", err)
	}
	wl, err := st.Whitelist.Normalize()
	if err != nil {
		return st, fmt.Errorf("the agent's whitelist: %w", err)
	}
	st.Whitelist = wl
	return st, nil
}

// serialNow is a SOA serial for a change: the time, and always more than the previous one.
func serialNow(prev uint32) uint32 {
	s := uint32(time.Now().Unix())
	if s <= prev {
		s = prev + 1
	}
	return s
}

// logChanges logs each Service added, removed or whose ready addresses changed.
func logChanges(log *slog.Logger, before, after []discovery.Service) {
	old := map[string][]string{}
	for _, s := range before {
		old[s.Namespace+"/"+s.Name] = readyAddrs(s)
	}
	seen := map[string]bool{}
	for _, s := range after {
		key := s.Namespace + "/" + s.Name
		seen[key] = true
		addrs := readyAddrs(s)
		prev, ok := old[key]
		switch {
		case !ok:
			log.Info("service added", "service", key, "ready", addrs)
		case !reflect.DeepEqual(prev, addrs):
			log.Info("service endpoints changed", "service", key, "ready", addrs, "before", prev)
		}
	}
	for _, s := range before {
		if key := s.Namespace + "/" + s.Name; !seen[key] {
			log.Info("service removed", "service", key)
		}
	}
}

// readyAddrs lists "node=address:port,..." of the ready endpoints, for the log.
func readyAddrs(s discovery.Service) []string {
	out := []string{}
	for _, ep := range s.Endpoints {
		if !ep.Ready {
			continue
		}
		ports := make([]string, 0, len(ep.Ports))
		for _, p := range ep.Ports {
			ports = append(ports, fmt.Sprint(p.Port))
		}
		out = append(out, ep.Node+"="+ep.Address+":"+strings.Join(ports, ","))
	}
	return out
}
