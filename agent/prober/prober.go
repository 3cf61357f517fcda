package prober

import (
	"cmp"
	"context"
	"fmt"
	"log/slog"
	"reflect"
	"slices"
	"strings"
	"time"

	corev1 "k8s.io/api/core/v1"

	"github.com/podman-swarm/podman-swarm/reconcile"
)

// Bounds of the loop.
const (
	// defaultParallel is how many checks run at once by default.
	defaultParallel = 8
	// maxSleep bounds how long the loop sleeps without a poke: a container that started is
	// noticed within it even if nobody says so.
	maxSleep = time.Second
	// eventInterval is the least time between two Unhealthy events of one probe.
	eventInterval = time.Minute
	// killTimeout bounds a `podman kill`.
	killTimeout = 30 * time.Second
)

// Source is where the prober reads this node's pods: the reconciler.
type Source interface {
	DesiredPods() []reconcile.DesiredPod
	Status(podKey string) (reconcile.Status, bool)
}

// Sink takes each change of a container's readiness as the agent's probes decide it, for
// one run of the container (its start time and restart count, as the runtime reported
// them): the status writer.
type Sink interface {
	Probed(podKey, container string, started time.Time, restarts int, ready bool)
}

// Recorder records events (agent/events.Recorder).
type Recorder interface {
	Event(obj corev1.ObjectReference, eventType, reason, message string)
}

// Config is what the prober needs.
type Config struct {
	Source Source
	Sink   Sink
	// Events records probe failures; nil records none.
	Events Recorder
	// Checker runs the checks (the node's address, how exec probes run).
	Checker Checker
	// Kill kills a container whose startup probe failed; nil is `podman kill`.
	Kill func(ctx context.Context, container string) error
	// WasReady tells whether a run of a container was ready before this agent started (the
	// status writer reads it back from the record this node stored); such a run starts
	// ready rather than failed. Nil: every run starts as Kubernetes starts a new one.
	WasReady func(podKey, container string, started time.Time, restarts int) bool
	// Parallel bounds the checks under way at once (default 8).
	Parallel int
	Logger   *slog.Logger
}

// Prober runs the readiness and startup probes of this node's running containers.
type Prober struct {
	cfg  Config
	log  *slog.Logger
	wake chan struct{}

	// The rest belongs to the loop's goroutine.
	entries  map[ckey]*entry
	inFlight int
	results  chan result
}

// ckey names a container of a pod.
type ckey struct{ pod, container string }

// entry is one container the prober probes.
type entry struct {
	spec      reconcile.ContainerSpec
	c         *Container
	run       Run
	ready     bool // as last handed to the sink
	killed    bool // for its startup probe's failure, in this run
	lastEvent map[Kind]time.Time
}

// result is a check's outcome on its way back to the loop.
type result struct {
	key    ckey
	kind   Kind
	run    Run
	ticket int
	out    Outcome
}

// New builds a prober; Start runs it.
func New(cfg Config) *Prober {
	if cfg.Parallel <= 0 {
		cfg.Parallel = defaultParallel
	}
	if cfg.Kill == nil {
		cfg.Kill = func(ctx context.Context, container string) error {
			_, err := (&reconcile.Commands{}).Kill(ctx, []string{container})
			return err
		}
	}
	log := cfg.Logger
	if log == nil {
		log = slog.Default()
	}
	return &Prober{
		cfg: cfg, log: log.With("component", "prober"), wake: make(chan struct{}, 1),
		entries: map[ckey]*entry{}, results: make(chan result, cfg.Parallel),
	}
}

// Poke has the loop look at the pods again at once: the runtime reported a change. A nil
// Prober ignores it.
func (p *Prober) Poke() {
	if p == nil {
		return
	}
	select {
	case p.wake <- struct{}{}:
	default:
	}
}

// Start runs the probes until ctx ends (a lifecycle part).
func (p *Prober) Start(ctx context.Context) error {
	timer := time.NewTimer(0)
	defer timer.Stop()
	resync := true
	var synced time.Time
	for {
		now := time.Now()
		// The pods are read again when the runtime reported a change, and at least every
		// maxSleep; not for every check that finishes, which on a busy node are many.
		if resync || now.Sub(synced) >= maxSleep {
			p.sync(now)
			resync, synced = false, now
		}
		p.begin(ctx, now)
		timer.Reset(p.sleep(time.Now()))
		select {
		case <-ctx.Done():
			return nil
		case <-p.wake:
			resync = true
		case <-timer.C:
		case r := <-p.results:
			p.finish(ctx, r)
		}
	}
}

// sync brings the entries in line with the running containers that have agent probes: a
// new one starts probing, a new run starts over, one that stopped or left is dropped.
func (p *Prober) sync(now time.Time) {
	seen := map[ckey]bool{}
	for _, d := range p.cfg.Source.DesiredPods() {
		st, ok := p.cfg.Source.Status(d.Key)
		if !ok || st.Phase != reconcile.PhaseRunning {
			continue
		}
		for _, cs := range d.Containers {
			if cs.Init || !cs.Gated() {
				continue
			}
			i := slices.IndexFunc(st.Containers, func(c reconcile.ContainerStatus) bool { return c.Name == cs.Name })
			if i < 0 || st.Containers[i].State != reconcile.ContainerRunning {
				continue
			}
			k := ckey{d.Key, cs.Name}
			seen[k] = true
			e := p.entries[k]
			if e == nil || !reflect.DeepEqual(e.spec.Startup, cs.Startup) || !reflect.DeepEqual(e.spec.Readiness, cs.Readiness) {
				e = newEntry(cs)
				p.entries[k] = e
			}
			e.spec = cs
			run := Run{Started: st.Containers[i].Started, Restarts: st.Containers[i].Restarts}
			if e.c.Observe(run, now) {
				e.run, e.ready, e.killed = run, false, false
				if p.cfg.WasReady != nil && p.cfg.WasReady(d.Key, cs.Name, run.Started, run.Restarts) {
					e.c.Seed()
					e.ready = true
				}
			}
		}
	}
	for k := range p.entries {
		if !seen[k] {
			delete(p.entries, k)
		}
	}
}

func newEntry(cs reconcile.ContainerSpec) *entry {
	var startup, readiness *Timing
	if cs.Startup != nil {
		t := TimingOf(cs.Startup)
		startup = &t
	}
	if cs.Readiness != nil {
		t := TimingOf(cs.Readiness)
		readiness = &t
	}
	return &entry{spec: cs, c: NewContainer(startup, readiness), lastEvent: map[Kind]time.Time{}}
}

// begin starts the checks that are due, as many as Parallel allows.
func (p *Prober) begin(ctx context.Context, now time.Time) {
	keys := make([]ckey, 0, len(p.entries))
	for k := range p.entries {
		keys = append(keys, k)
	}
	// The most overdue first, so that a full set of slots does not starve anyone.
	slices.SortFunc(keys, func(a, b ckey) int {
		return cmp.Or(p.entries[a].c.NextAt().Compare(p.entries[b].c.NextAt()), cmp.Compare(a.pod, b.pod), cmp.Compare(a.container, b.container))
	})
	for _, k := range keys {
		e := p.entries[k]
		for _, kind := range e.c.Due(now) {
			if p.inFlight >= p.cfg.Parallel {
				return
			}
			pr := e.spec.Readiness
			if kind == Startup {
				pr = e.spec.Startup
			}
			ticket := e.c.Begin(kind, now)
			p.inFlight++
			name := strings.TrimSuffix(e.spec.Service, ".service")
			go func(r result) {
				r.out = p.cfg.Checker.Check(ctx, pr, name)
				p.results <- r
			}(result{key: k, kind: kind, run: e.run, ticket: ticket})
		}
	}
}

// sleep is how long the loop may wait for the next check to come due.
func (p *Prober) sleep(now time.Time) time.Duration {
	d := maxSleep
	for _, e := range p.entries {
		if at := e.c.NextAt(); !at.IsZero() {
			d = min(d, max(at.Sub(now), time.Millisecond))
		}
	}
	return d
}

// finish takes a check's outcome: the probe's state, the container's readiness handed on
// at once when it changed, a failure's event, a failed startup's kill.
func (p *Prober) finish(ctx context.Context, r result) {
	p.inFlight--
	e := p.entries[r.key]
	if e == nil || e.run != r.run {
		return // the container stopped or restarted meanwhile
	}
	from, to := e.c.Finish(r.kind, r.ticket, r.out.OK)
	probeName := "Readiness"
	if r.kind == Startup {
		probeName = "Startup"
	}
	log := p.log.With("pod", r.key.pod, "container", r.key.container, "probe", string(r.kind))
	if !r.out.OK {
		p.event(r, e, corev1.EventTypeWarning, "Unhealthy", probeName+" probe failed: "+r.out.Message)
	}
	if from != to {
		log.Debug("probe result", "from", from.String(), "to", to.String(), "output", r.out.Message)
	}
	if ready := e.c.Ready(); ready != e.ready {
		e.ready = ready
		if ready {
			log.Info("container ready: its probes pass")
		} else {
			log.Warn("container not ready: a probe fails", "output", r.out.Message)
		}
		p.cfg.Sink.Probed(r.key.pod, r.key.container, e.run.Started, e.run.Restarts, ready)
	}
	if r.kind == Startup && to == Failure && from != Failure && e.spec.Liveness == nil && !e.killed {
		// With a livenessProbe, podman's startup check in front of it kills the container.
		e.killed = true
		name := strings.TrimSuffix(e.spec.Service, ".service")
		msg := fmt.Sprintf("Container %s failed startup probe, will be restarted", r.key.container)
		log.Warn("startup probe failed its failureThreshold: killing the container", "output", r.out.Message)
		p.record(r.key, corev1.EventTypeNormal, "Killing", msg)
		go func() {
			kctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), killTimeout)
			defer cancel()
			if err := p.cfg.Kill(kctx, name); err != nil {
				p.log.Warn("kill a container whose startup probe failed", "pod", r.key.pod, "container", r.key.container, "err", err)
			}
		}()
	}
}

// event records a probe's failure, at most once per eventInterval per probe.
func (p *Prober) event(r result, e *entry, eventType, reason, message string) {
	now := time.Now()
	if last, ok := e.lastEvent[r.kind]; ok && now.Sub(last) < eventInterval {
		return
	}
	e.lastEvent[r.kind] = now
	p.record(r.key, eventType, reason, message)
}

func (p *Prober) record(k ckey, eventType, reason, message string) {
	if p.cfg.Events == nil {
		return
	}
	ns, name, _ := strings.Cut(k.pod, "/")
	obj := corev1.ObjectReference{Kind: "Pod", APIVersion: "v1", Namespace: ns, Name: name,
		FieldPath: "spec.containers{" + k.container + "}"}
	p.cfg.Events.Event(obj, eventType, reason, message)
}
