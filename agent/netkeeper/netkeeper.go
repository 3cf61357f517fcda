// Package netkeeper keeps the nftables rules of this node's pods current: whenever the
// Services, their endpoints or the pods with an IP change, it renders the node's rules,
// writes them to the rules file (which a starting pod loads by itself) and loads them into
// every running pod whose rules differ.
package netkeeper

import (
	"context"
	"crypto/sha256"
	"fmt"
	"log/slog"
	"path/filepath"
	"slices"
	"time"

	"github.com/podman-swarm/podman-swarm/internal/atomicfile"
	"github.com/podman-swarm/podman-swarm/internal/debounce"
	"github.com/podman-swarm/podman-swarm/netns"
	"github.com/podman-swarm/podman-swarm/netrules"
)

// Loader loads rules into pods by podman pod name; *netns.Loader is the real one.
type Loader interface {
	Load(ctx context.Context, rules []byte, pods []string) error
}

// Defaults of Config.
const (
	// DefaultSettle gathers a burst of changes (a rollout moves many endpoints at once)
	// into one load, short enough that a change reaches the pods well within a second.
	DefaultSettle = 50 * time.Millisecond
	// DefaultCheck is how often the keeper looks for pods it has not loaded without being
	// poked: a pod loads the rules file itself when it starts, this catches a pod that
	// started while the file was being replaced.
	DefaultCheck = 5 * time.Second
	// DefaultResync is how often every pod is loaded again whatever the keeper remembers:
	// a pod's rules might have been lost (its infra container restarted) without the
	// keeper seeing it.
	DefaultResync = 5 * time.Minute
	// DefaultLoadTimeout bounds one load of all pods.
	DefaultLoadTimeout = time.Minute
)

// Config is what a Keeper needs.
type Config struct {
	// StateDir is the agent's state folder, where the rules file is written.
	StateDir string
	// Input returns the current input of the rules.
	Input func(ctx context.Context) (netrules.Input, error)
	// Pods returns the podman pod names of this node's running pods.
	Pods func(ctx context.Context) ([]string, error)
	// Loader loads the rules; nil is a netns.Loader running this binary.
	Loader Loader
	// Settle, Check, Resync, LoadTimeout: 0 is the default.
	Settle, Check, Resync, LoadTimeout time.Duration
	Logger                             *slog.Logger
}

// Keeper is the loop; Start runs it.
type Keeper struct {
	cfg  Config
	poke chan struct{}
	log  *slog.Logger
}

// New makes a Keeper.
func New(cfg Config) *Keeper {
	if cfg.Loader == nil {
		cfg.Loader = &netns.Loader{}
	}
	cfg.Settle = cmpOr(cfg.Settle, DefaultSettle)
	cfg.Check = cmpOr(cfg.Check, DefaultCheck)
	cfg.Resync = cmpOr(cfg.Resync, DefaultResync)
	cfg.LoadTimeout = cmpOr(cfg.LoadTimeout, DefaultLoadTimeout)
	log := cfg.Logger
	if log == nil {
		log = slog.Default()
	}
	return &Keeper{cfg: cfg, poke: make(chan struct{}, 1), log: log.With("component", "netkeeper")}
}

func cmpOr(d, def time.Duration) time.Duration {
	if d <= 0 {
		return def
	}
	return d
}

// RulesPath is the node's rules file in a state folder.
func RulesPath(stateDir string) string { return filepath.Join(stateDir, netns.RulesFile) }

// Poke tells the keeper that its input may have changed; it never blocks.
func (k *Keeper) Poke() {
	select {
	case k.poke <- struct{}{}:
	default:
	}
}

// Start runs the keeper until ctx ends: one pass at once, then one per burst of pokes,
// per Check period and per Resync period.
func (k *Keeper) Start(ctx context.Context) error {
	st := state{loaded: map[string][32]byte{}}
	check := time.NewTicker(k.cfg.Check)
	defer check.Stop()
	resync := time.NewTicker(k.cfg.Resync)
	defer resync.Stop()
	k.pass(ctx, &st, false)
	for {
		all := false
		select {
		case <-ctx.Done():
			return nil
		case <-k.poke:
			if !debounce.Settle(ctx, k.poke, k.cfg.Settle) {
				return nil
			}
		case <-check.C:
		case <-resync.C:
			all = true
		}
		k.pass(ctx, &st, all)
	}
}

// state is what the keeper remembers between passes.
type state struct {
	written  [32]byte            // hash of the rules in the file; zero before the first write
	loaded   map[string][32]byte // per running pod, the hash of the rules it was given
	skipped  []string            // last netrules.Skipped, logged when it changes
	inputErr string              // last error reading the input, logged when it changes
}

// pass renders, writes the file when the rules changed, and loads the pods that need it
// (all running pods when all is set).
func (k *Keeper) pass(ctx context.Context, st *state, all bool) {
	in, err := k.cfg.Input(ctx)
	if err != nil {
		// Keep the rules as they are: an empty input would cut every pod off.
		if err.Error() != st.inputErr {
			k.log.Warn("cannot read the rules' input; keeping the current rules", "err", err)
			st.inputErr = err.Error()
		}
		return
	}
	st.inputErr = ""
	if sk := netrules.Skipped(in); !slices.Equal(sk, st.skipped) {
		for _, s := range sk {
			k.log.Warn("left out of the pods' rules", "why", s)
		}
		st.skipped = sk
	}
	rules := []byte(netrules.Render(in))
	sum := sha256.Sum256(rules)
	if sum != st.written {
		if err := atomicfile.Write(RulesPath(k.cfg.StateDir), rules, 0o644); err != nil {
			k.log.Error("cannot write the rules file", "err", err)
		} else {
			st.written = sum
			k.log.Info("rules file written", "path", RulesPath(k.cfg.StateDir), "bytes", len(rules))
		}
	}

	pods, err := k.cfg.Pods(ctx)
	if err != nil {
		k.log.Warn("cannot list the running pods", "err", err)
		return
	}
	running := map[string]bool{}
	var todo []string
	for _, pod := range pods {
		running[pod] = true
		if all || st.loaded[pod] != sum {
			todo = append(todo, pod)
		}
	}
	for pod := range st.loaded {
		if !running[pod] {
			delete(st.loaded, pod)
		}
	}
	if len(todo) == 0 {
		return
	}
	slices.Sort(todo)
	lctx, cancel := context.WithTimeout(ctx, k.cfg.LoadTimeout)
	defer cancel()
	start := time.Now()
	err = k.cfg.Loader.Load(lctx, rules, todo)
	failed, allFailed := netns.FailedPods(err)
	if allFailed {
		k.log.Error("cannot load the rules into pods", "pods", len(todo), "err", err)
		return
	}
	for _, pod := range todo {
		if !slices.Contains(failed, pod) {
			st.loaded[pod] = sum
		} else {
			delete(st.loaded, pod)
		}
	}
	if err != nil {
		k.log.Error("cannot load the rules into some pods", "failed", len(failed), "of", len(todo), "err", err)
	}
	k.log.Info("rules loaded", "pods", len(todo)-len(failed), "took", time.Since(start).Round(time.Millisecond), "resync", all,
		"rules", fmt.Sprintf("%x", sum[:6]))
}
