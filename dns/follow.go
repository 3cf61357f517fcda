package dns

import (
	"encoding/json"
	"fmt"
	"log/slog"
	"reflect"
	"sync/atomic"
	"time"

	"github.com/podman-swarm/podman-swarm/api"
	"github.com/podman-swarm/podman-swarm/discovery"
	"github.com/podman-swarm/podman-swarm/internal/fielderr"
	"github.com/podman-swarm/podman-swarm/internal/follow"
)

// Follower keeps the catalog and the whitelist in step with the agent's
// /api/v1/endpoints and /api/v1/dns/whitelist (see package follow): the last good answer
// stays while the agent is unreachable, and a restarted server answers (and filters) from
// the state file as before even while the agent is down. It is a lifecycle.Runnable.
type Follower struct {
	*follow.Follower[followedState]
	log       *slog.Logger
	current   atomic.Pointer[Catalog]
	whitelist FollowedWhitelist
}

// The agent's answers the follower reads, in this order.
var followedPaths = []string{"/api/v1/endpoints", "/api/v1/dns/whitelist"}

var _ Source = (*Follower)(nil)

// FollowerConfig configures a Follower.
type FollowerConfig struct {
	Agent     string        // the agent's API URL, e.g. api.DefaultServer
	Token     string        // API token; "" sends none, or the one in TokenFile
	TokenFile string        // read at each request when Token is empty
	CAFile    string        // verifies an https agent, with the system's roots
	StateFile string        // "" keeps no state
	Timeout   time.Duration // of one request to the agent (a watch: its headers)
	// Interval is the longest wait before the agent is listed again after it failed or
	// a watch broke (see follow.Config.Interval); 0 for a second.
	Interval time.Duration
	Logger   *slog.Logger
}

// NewFollower starts from the state file when there is one, else from no Services and no
// whitelist.
func NewFollower(cfg FollowerConfig) (*Follower, error) {
	client, err := api.NewClient(api.ClientConfig{Server: cfg.Agent, Token: cfg.Token, TokenFile: cfg.TokenFile, CAFile: cfg.CAFile, Timeout: cfg.Timeout})
	if err != nil {
		return nil, fielderr.New("Agent", "%s: %w", err)
	}
	f := &Follower{log: cfg.Logger}
	if f.log == nil {
		f.log = slog.New(slog.DiscardHandler)
	}
	agent := []any{"agent", client.Server}
	f.Follower, err = follow.New(follow.Config[followedState]{
		Client: client, Paths: followedPaths, Decode: decodeFollowed, OnChange: f.apply,
		StateFile: cfg.StateFile, Normalize: normalizeFollowed,
		Interval: cfg.Interval, Logger: f.log,
		Messages: follow.Messages{
			Down:       follow.Message{Text: "the agent does not answer; serving the last known endpoints and whitelist", Attrs: agent},
			Up:         follow.Message{Text: "the agent answers again", Attrs: agent},
			SaveFailed: follow.Message{Text: "cannot save the last known endpoints; a restart while the agent is down would start empty"},
		},
	})
	if err != nil {
		return nil, err
	}
	st := f.State()
	f.current.Store(NewCatalog(st.Items, serialNow(0)))
	if f.Restored() {
		f.whitelist.Set(st.Whitelist)
		f.log.Info("serving the last known endpoints and whitelist until the agent answers", "file", cfg.StateFile,
			"services", len(st.Items), "whitelist", st.Whitelist.Enabled)
	}
	return f, nil
}

// Catalog implements Source.
func (f *Follower) Catalog() *Catalog { return f.current.Load() }

// Whitelist is the whitelist as last read; it admits every name while it is disabled.
func (f *Follower) Whitelist() Whitelist { return &f.whitelist }

// apply puts a changed state in force, and logs what changed.
func (f *Follower) apply(old, cur followedState) {
	logChanges(f.log, old.Items, cur.Items)
	if !reflect.DeepEqual(cur.Whitelist, old.Whitelist) {
		f.log.Info("whitelist changed", "enabled", cur.Whitelist.Enabled, "hosts", cur.Whitelist.Hosts)
	}
	f.current.Store(NewCatalog(cur.Items, serialNow(f.current.Load().serial)))
	f.whitelist.Set(cur.Whitelist)
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
