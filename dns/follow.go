package dns

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"reflect"
	"strings"
	"sync/atomic"
	"time"

	"github.com/podman-swarm/podman-swarm/discovery"
)

// Follower keeps the catalog in step with the agent: it polls GET /api/v1/endpoints, keeps
// the last good answer while the agent is unreachable, and persists it to a state file so
// that a restarted server answers before the agent does.
type Follower struct {
	agent     string
	stateFile string
	http      *http.Client
	log       *slog.Logger

	current atomic.Pointer[Catalog]
	last    []discovery.Service // the loop's own copy
	failing bool
}

var _ Source = (*Follower)(nil)

// FollowerConfig configures a Follower.
type FollowerConfig struct {
	Agent     string        // the agent's API URL, e.g. http://127.0.0.1:7070
	StateFile string        // "" keeps no state
	Timeout   time.Duration // of one request to the agent
	Logger    *slog.Logger
}

// NewFollower starts from the state file when there is one, else from no Services.
func NewFollower(cfg FollowerConfig) (*Follower, error) {
	f := &Follower{
		agent:     strings.TrimRight(cfg.Agent, "/"),
		stateFile: cfg.StateFile,
		http:      &http.Client{Timeout: cfg.Timeout},
		log:       cfg.Logger,
	}
	if f.log == nil {
		f.log = slog.New(slog.DiscardHandler)
	}
	f.current.Store(NewCatalog(nil, serialNow(0)))
	if f.stateFile == "" {
		return f, nil
	}
	services, ok, err := loadState(f.stateFile)
	if err != nil {
		return nil, err
	}
	if ok {
		f.last = services
		f.current.Store(NewCatalog(services, serialNow(0)))
		f.log.Info("serving the last known endpoints until the agent answers", "file", f.stateFile, "services", len(services))
	}
	return f, nil
}

// Catalog implements Source.
func (f *Follower) Catalog() *Catalog { return f.current.Load() }

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
// is; it is logged when the agent stops answering and again when it comes back.
func (f *Follower) Poll(ctx context.Context) {
	services, err := f.fetch(ctx)
	if err != nil {
		if !f.failing && ctx.Err() == nil {
			f.log.Warn("the agent does not answer; serving the last known endpoints", "agent", f.agent, "err", err)
		}
		f.failing = ctx.Err() == nil
		return
	}
	if f.failing {
		f.log.Info("the agent answers again", "agent", f.agent)
		f.failing = false
	}
	if reflect.DeepEqual(services, f.last) {
		return
	}
	logChanges(f.log, f.last, services)
	f.last = services
	f.current.Store(NewCatalog(services, serialNow(f.current.Load().serial)))
	if f.stateFile != "" {
		if err := saveState(f.stateFile, services); err != nil {
			f.log.Warn("cannot save the last known endpoints; a restart while the agent is down would start empty", "err", err)
		}
	}
}

func (f *Follower) fetch(ctx context.Context) ([]discovery.Service, error) {
	u := f.agent + "/api/v1/endpoints"
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u, nil)
	if err != nil {
		return nil, fmt.Errorf("ask %s: %w", u, err)
	}
	resp, err := f.http.Do(req)
	if err != nil {
		return nil, fmt.Errorf("ask %s: %w", u, err)
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(io.LimitReader(resp.Body, 64<<20))
	if err != nil {
		return nil, fmt.Errorf("read the answer of %s: %w", u, err)
	}
	if resp.StatusCode != http.StatusOK {
		return nil, fmt.Errorf("ask %s: HTTP %d: %s", u, resp.StatusCode, strings.TrimSpace(string(data)))
	}
	var l endpointList
	if err := json.Unmarshal(data, &l); err != nil {
		return nil, fmt.Errorf("decode the answer of %s: %w", u, err)
	}
	if l.Items == nil {
		l.Items = []discovery.Service{}
	}
	return l.Items, nil
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
