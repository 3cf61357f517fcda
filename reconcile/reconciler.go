package reconcile

import (
	"context"
	"errors"
	"log/slog"
	"maps"
	"slices"
	"sync"
	"time"

	"github.com/podman-swarm/podman-swarm/internal/debounce"
	"github.com/podman-swarm/podman-swarm/manifest"
	"github.com/podman-swarm/podman-swarm/quadlet"
)

// Config is what the agent gives the loop.
type Config struct {
	// UnitDir is the folder Quadlet reads the user's units from:
	// ~/.config/containers/systemd. Created when missing.
	UnitDir string
	// Options are the node's facts the units are rendered with. They must stay the same
	// across agent restarts: a change rewrites, and so restarts, every pod.
	Options quadlet.Options
	// PodNetwork gives a pod its own network (its address and the node ports it publishes
	// on), set into Options.Pod when it renders; nil, or a nil answer, for a pod without
	// one. It is called from SetDesired and must be quick.
	PodNetwork func(p manifest.Pod) *quadlet.PodNetwork
	// Systemd drives the units: NewDBus for the user's systemd.
	Systemd Systemd
	// Podman and Journal default to a Commands.
	Podman  Podman
	Journal Journal
	// Report is called with a pod's status each time it changes, from the loop's
	// goroutine; it must not block for long. May be nil.
	Report func(podKey string, s Status)
	// Logger defaults to slog.Default(); records carry component=reconcile.
	Logger *slog.Logger

	// Resync is the period of a full pass without any other trigger (default 30s).
	Resync time.Duration
	// JobTimeout bounds the wait for one batch of start or stop jobs (default 2m).
	JobTimeout time.Duration
	// BackoffInitial and BackoffMax space out the starts of a pod that keeps failing
	// (default 1s doubling up to 1m); a pod up for BackoffReset (default 10s) starts at
	// once the next time.
	BackoffInitial, BackoffMax, BackoffReset time.Duration
	// Debounce is how long the loop gathers unit changes before a pass (default 200ms).
	Debounce time.Duration
}

// Reconciler runs the pods assigned to this node. Its methods are safe for concurrent use;
// Start must be called once.
type Reconciler struct {
	cfg     Config
	log     *slog.Logger
	now     func() time.Time
	wake    chan struct{}
	backoff *backoff

	mu        sync.Mutex
	desired   map[string]DesiredPod
	renderErr map[string]string // pods that could not be rendered, with the reason
	status    map[string]Status // last status of each desired pod
	// Owned by the loop's goroutine.
	lastReload string // the unit files on disk at the last reload, as a fingerprint
	journal    map[string]journalLine
	ran        map[string]bool // pods seen Running since the loop last started them
	kills      killAfters      // the kill delays of leaving pods (see KillAfter)
}

// journalLine caches the error line of a service for one state of it, so that the journal
// is read once per failure, not once per pass.
type journalLine struct {
	at   time.Time // the unit's StateChange when it was read
	n    int       // and its NRestarts
	line string
}

// New checks the configuration and makes a loop that runs nothing yet.
func New(cfg Config) (*Reconciler, error) {
	if cfg.UnitDir == "" {
		return nil, errors.New("configure the reconciler: UnitDir is empty")
	}
	if cfg.Systemd == nil {
		return nil, errors.New("configure the reconciler: Systemd is nil")
	}
	if cfg.Podman == nil || cfg.Journal == nil {
		cmds := &Commands{}
		if cfg.Podman == nil {
			cfg.Podman = cmds
		}
		if cfg.Journal == nil {
			cfg.Journal = cmds
		}
	}
	if cfg.Report == nil {
		cfg.Report = func(string, Status) {}
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.Default()
	}
	def := func(d *time.Duration, v time.Duration) {
		if *d <= 0 {
			*d = v
		}
	}
	def(&cfg.Resync, 30*time.Second)
	def(&cfg.JobTimeout, 2*time.Minute)
	def(&cfg.BackoffInitial, time.Second)
	def(&cfg.BackoffMax, time.Minute)
	def(&cfg.BackoffReset, 10*time.Second)
	def(&cfg.Debounce, 200*time.Millisecond)
	return &Reconciler{
		cfg:       cfg,
		log:       cfg.Logger.With("component", "reconcile"),
		now:       time.Now,
		wake:      make(chan struct{}, 1),
		backoff:   newBackoff(cfg.BackoffInitial, cfg.BackoffMax, cfg.BackoffReset),
		desired:   map[string]DesiredPod{},
		renderErr: map[string]string{},
		status:    map[string]Status{},
		journal:   map[string]journalLine{},
		ran:       map[string]bool{},
	}, nil
}

// SetDesired hands the loop the pods assigned to this node, all of them each time. The
// agent calls it on every change of the store; it renders the pods and wakes the loop
// when their units changed. A pod that cannot be rendered is reported Failed.
func (r *Reconciler) SetDesired(pods []manifest.Pod) {
	desired := make(map[string]DesiredPod, len(pods))
	renderErr := map[string]string{}
	for _, p := range pods {
		o := r.cfg.Options
		if r.cfg.PodNetwork != nil {
			if n := r.cfg.PodNetwork(p); n != nil {
				o.Pod, o.PodIP = n, n.Address.Addr().String()
			}
		}
		d, warnings, err := Desire(p, o)
		if err != nil {
			renderErr[p.Key()] = err.Error()
			continue
		}
		desired[d.Key] = d
		r.mu.Lock()
		old, had := r.desired[d.Key]
		r.mu.Unlock()
		if !had || old.Fingerprint != d.Fingerprint {
			for _, w := range warnings {
				r.log.Warn("pod field ignored", "pod", d.Key, "field", w.Path, "reason", w.Message)
			}
		}
	}
	r.mu.Lock()
	changed := !maps.EqualFunc(r.desired, desired, func(a, b DesiredPod) bool { return a.Fingerprint == b.Fingerprint }) ||
		!maps.Equal(r.renderErr, renderErr)
	r.desired, r.renderErr = desired, renderErr
	r.mu.Unlock()
	if changed {
		r.poke()
	}
}

// poke wakes the loop without blocking.
func (r *Reconciler) poke() {
	select {
	case r.wake <- struct{}{}:
	default:
	}
}

// Status returns the last status of a pod this node runs.
func (r *Reconciler) Status(podKey string) (Status, bool) {
	r.mu.Lock()
	defer r.mu.Unlock()
	s, ok := r.status[podKey]
	return s, ok
}

// snapshot copies the desired pods, in key order.
func (r *Reconciler) snapshot() ([]DesiredPod, map[string]string) {
	r.mu.Lock()
	defer r.mu.Unlock()
	out := make([]DesiredPod, 0, len(r.desired))
	for _, k := range slices.Sorted(maps.Keys(r.desired)) {
		out = append(out, r.desired[k])
	}
	return out, maps.Clone(r.renderErr)
}

// Start runs the loop (a lifecycle.Runnable): a pass at once, then one each time it is
// woken (SetDesired, a change of one of our units, a back-off coming due) or
// Resync passed. It returns when ctx ends. Units keep running when it returns: they belong
// to systemd.
func (r *Reconciler) Start(ctx context.Context) error {
	var changes <-chan string
	watch := func() {
		// Every unit quadlet makes is named with its prefix; the loop watches only those.
		ch, err := r.cfg.Systemd.Watch(ctx, quadlet.NamePrefix)
		if err != nil {
			r.log.Warn("cannot watch systemd's units; relying on the periodic resync", "err", err)
			return
		}
		changes = ch
	}
	watch()
	for {
		next := r.pass(ctx)
		timer := time.NewTimer(next)
		select {
		case <-ctx.Done():
			timer.Stop()
			return nil
		case <-r.wake:
		case <-timer.C:
		case _, ok := <-changes:
			if !ok {
				changes = nil
				if ctx.Err() == nil {
					watch()
				}
				break
			}
			// Gather the burst of changes one start or stop makes into one pass.
			debounce.Settle(ctx, changes, r.cfg.Debounce)
		}
		timer.Stop()
	}
}
