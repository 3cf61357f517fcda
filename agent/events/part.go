package events

import (
	"context"
	"encoding/json"
	"log/slog"
	"sync"
	"time"

	corev1 "k8s.io/api/core/v1"

	"github.com/podman-swarm/podman-swarm/agent/store"
	"github.com/podman-swarm/podman-swarm/cluster"
)

// maxWaiting bounds the replacements waiting to be judged, and those judged lost that wait
// for their fallback: far more than concurrent writes ever make, few enough to hold.
const maxWaiting = 10000

// Replacements gathers the store's replacements of objects (cluster.Config.OnReplace) for
// the events part to judge. It is handed to the cluster before the node starts, so that
// the replacements a node makes while it joins (its first push/pull, after a partition or
// a stop) wait for the part instead of going unseen.
type Replacements struct {
	mu      sync.Mutex
	queue   []cluster.Replacement
	dropped int
	wake    chan struct{}
}

// NewReplacements makes an empty queue.
func NewReplacements() *Replacements {
	return &Replacements{wake: make(chan struct{}, 1)}
}

// Observe is a cluster.Config.OnReplace: it queues the replacements of objects and
// returns at once, since the cluster calls it on its receive path.
func (r *Replacements) Observe(old, new cluster.Entry) {
	if !store.IsObjectKey(new.Key) {
		return
	}
	r.mu.Lock()
	if len(r.queue) >= maxWaiting {
		r.dropped++
	} else {
		r.queue = append(r.queue, cluster.Replacement{Old: old, New: new})
	}
	r.mu.Unlock()
	select {
	case r.wake <- struct{}{}:
	default:
	}
}

// take empties the queue; dropped counts what did not fit since the last take.
func (r *Replacements) take() (queued []cluster.Replacement, dropped int) {
	r.mu.Lock()
	defer r.mu.Unlock()
	queued, dropped = r.queue, r.dropped
	r.queue, r.dropped = nil, 0
	return queued, dropped
}

// Config is what the events part of a node is built from. Store, Recorder and
// Replacements are required.
type Config struct {
	Store        Store
	Recorder     *Recorder
	Replacements *Replacements
	// NodeName is this node: it records the writes made through it that were lost.
	NodeName string
	// Clock reads the wall time for retention, the clock the cluster node reads (nil is
	// time.Now).
	Clock     func() time.Time
	Retention Retention
	// FallbackDelay (default 30s): a lost write made through a node that is no longer
	// alive is recorded, this long after they saw it replaced, by the nodes that saw it,
	// unless that node is alive again by then or the event is already there.
	FallbackDelay time.Duration
	// DeletionWait (default 30s) bounds the wait for the record of a delete that replaced
	// a write; without it the write's fate is unknown and nothing is recorded.
	DeletionWait time.Duration
	// Tick (default 1s) is how often waiting replacements are looked at again.
	Tick   time.Duration
	Logger *slog.Logger
}

// Defaults of Config.
const (
	DefaultFallbackDelay = 30 * time.Second
	DefaultDeletionWait  = 30 * time.Second
	DefaultTick          = time.Second
)

func (c Config) withDefaults() Config {
	def := func(d *time.Duration, v time.Duration) {
		if *d <= 0 {
			*d = v
		}
	}
	def(&c.FallbackDelay, DefaultFallbackDelay)
	def(&c.DeletionWait, DefaultDeletionWait)
	def(&c.Tick, DefaultTick)
	c.Retention = c.Retention.withDefaults()
	if c.Clock == nil {
		c.Clock = time.Now
	}
	if c.Logger == nil {
		c.Logger = slog.New(slog.DiscardHandler)
	}
	return c
}

// Part is the events part of a node: it judges every replacement of an object this node
// sees, records the writes made through this node that a concurrent write replaced (and,
// after FallbackDelay, those of nodes that are gone), and applies Retention. Run it with
// Start.
type Part struct {
	cfg     Config
	log     *slog.Logger
	waiting []waiting
}

// waiting is a replacement to look at again at due.
type waiting struct {
	r   cluster.Replacement
	due time.Time
	// giveUp ends the wait for a delete's record.
	giveUp time.Time
	// judgedLost: the replacement lost a write of another node, recorded here only if
	// that node is not alive at due.
	judgedLost bool
}

// New builds the events part.
func New(cfg Config) *Part {
	cfg = cfg.withDefaults()
	return &Part{cfg: cfg, log: cfg.Logger.With("component", "events")}
}

// Start judges replacements and applies the retention bounds until ctx ends.
func (p *Part) Start(ctx context.Context) error {
	tick := time.NewTicker(p.cfg.Tick)
	defer tick.Stop()
	p.retain()
	retained := time.Now()
	for {
		select {
		case <-ctx.Done():
			return nil
		case <-p.cfg.Replacements.wake:
			p.judgeQueued()
		case <-p.cfg.Recorder.recorded:
			p.retain()
			retained = time.Now()
		case <-tick.C:
			p.judgeDue()
			if time.Since(retained) >= p.cfg.Retention.Interval {
				p.retain()
				retained = time.Now()
			}
		}
	}
}

// judgeQueued judges the replacements the cluster reported since the last time.
func (p *Part) judgeQueued() {
	queued, dropped := p.cfg.Replacements.take()
	if dropped > 0 {
		p.log.Warn("too many replacements waiting; some were not judged", "dropped", dropped)
	}
	now := time.Now()
	for _, r := range queued {
		p.step(waiting{r: r, giveUp: now.Add(p.cfg.DeletionWait)}, now)
	}
}

// judgeDue looks again at the waiting replacements whose time has come.
func (p *Part) judgeDue() {
	now := time.Now()
	var due, later []waiting
	for _, w := range p.waiting {
		if now.Before(w.due) {
			later = append(later, w)
		} else {
			due = append(due, w)
		}
	}
	p.waiting = later
	for _, w := range due {
		p.step(w, now)
	}
}

// step judges one replacement, records what it lost, or puts it back to wait.
func (p *Part) step(w waiting, now time.Time) {
	old, new := w.r.Old, w.r.New
	if w.judgedLost {
		if aliveMembers(p.cfg.Store)(old.Version.Node) {
			return // the node that made the write is back: it records it itself
		}
		p.recordLost(w.r)
		return
	}
	var d *store.Deletion
	if new.Deleted && !old.Deleted {
		d = p.deletion(new.Key)
	}
	v, wait := judgeReplacement(old, new, d)
	if wait {
		if now.Before(w.giveUp) {
			w.due = now.Add(p.cfg.Tick)
			p.later(w)
		} else {
			p.log.Info("no record of what a delete had seen; cannot tell whether it lost a write",
				"key", new.Key, "delete", store.FormatVersion(new.Version), "write", store.FormatVersion(old.Version))
		}
		return
	}
	switch v {
	case superseded:
		return
	case unknown:
		p.log.Debug("the writer of a replacement left no lineage; cannot tell whether it lost a write",
			"key", new.Key, "write", store.FormatVersion(old.Version), "replaced by", store.FormatVersion(new.Version))
		return
	}
	if old.Version.Node == p.cfg.NodeName {
		p.recordLost(w.r)
		return
	}
	w.judgedLost, w.due = true, now.Add(p.cfg.FallbackDelay)
	p.later(w)
}

// later keeps w to look at again at w.due.
func (p *Part) later(w waiting) {
	if len(p.waiting) >= maxWaiting {
		p.log.Warn("too many replacements waiting; one was not judged", "key", w.r.New.Key)
		return
	}
	p.waiting = append(p.waiting, w)
}

// deletion reads the deletion record of an object, nil when there is none.
func (p *Part) deletion(objectKey string) *store.Deletion {
	e, ok := p.cfg.Store.Get(store.DeletionKey(objectKey))
	if !ok {
		return nil
	}
	var d store.Deletion
	if err := json.Unmarshal(e.Value, &d); err != nil {
		p.log.Warn("skipping undecodable deletion record", "key", e.Key, "err", err)
		return nil
	}
	return &d
}

// recordLost records a lost write as a WriteConflict warning on its object, once in the
// cluster: the event's name follows from the replacement, the same on every node.
func (p *Part) recordLost(r cluster.Replacement) {
	obj, ok := objectOfKey(r.New.Key)
	if !ok {
		return
	}
	obj.ResourceVersion = store.FormatVersion(r.Old.Version)
	msg := conflict{Lost: r.Old, Winner: r.New}.message()
	p.cfg.Recorder.recordOnce(obj, corev1.EventTypeWarning, ReasonWriteConflict, msg)
}

// retain applies the retention bounds, logging what it could not delete.
func (p *Part) retain() {
	n, err := retain(p.cfg.Store, p.cfg.Retention, p.cfg.NodeName, p.cfg.Clock())
	if err != nil {
		p.log.Warn("delete old events", "err", err)
	}
	if n > 0 {
		p.log.Debug("deleted old events", "count", n)
	}
}
