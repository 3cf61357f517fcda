// Package view is the agent's typed, indexed view of the store: the records decoded once,
// as they change, and the objects the API serves made of them (Deployments with their
// status and a ReplicaSet per revision they keep, DaemonSets with the status the leader recorded, Services, Ingresses, ConfigMaps
// and Secrets as stored, the claims with their binding, the Namespaces with their phase
// (default too, which needs no record), the pods with their placement and status, the
// nodes), each encoded once, indexed
// by kind, namespace and, for pods, node. The API answers its lists, its objects and its
// watches from here instead of decoding the whole store per request.
//
// The view follows the store by cluster.WatchKeys, reading each changed key again with Get,
// and the membership by cluster.WatchMembers. The API's own writes are in the view when
// they return (Refresh), so that a client reads what it wrote from the node it wrote to;
// changes from elsewhere come as fast as the node learns of them.
//
// Every change the view applies raises its version, which is each object's
// metadata.resourceVersion and a list's, and from which a watch may go on. The version is
// this node's own: it counts the changes this view applied, so two nodes number the same
// change differently. It starts from the time the view started, in microseconds, so that
// a restarted agent counts on above the versions it gave before, and a version from before
// a restart is too old rather than taken for a recent one.
package view

import (
	"context"
	"log/slog"
	"sync"
	"time"

	"github.com/podman-swarm/podman-swarm/agent/store"
	"github.com/podman-swarm/podman-swarm/cluster"
)

// Source is what the view reads of the cluster: the store and the membership, and their
// changes.
type Source interface {
	Get(key string) (cluster.Entry, bool)
	List(prefix string) []cluster.Entry
	WatchKeyBatches(prefix string) (<-chan []string, func())
	Members() []cluster.Member
	Leader() string
	WatchMembers() (<-chan cluster.MemberEvent, func())
}

// Config is what a view is built from.
type Config struct {
	Source Source
	Shapes Shapes
	// History is how many changes the view keeps for watches that go on from a version;
	// 0 takes DefaultHistory. A watch from before the oldest is answered "too old".
	History int
	// WatchBuffer is how many changes may wait for one watcher; one more closes that
	// watch. 0 takes DefaultWatchBuffer, which a burst as large as the history passes.
	WatchBuffer int
	Logger      *slog.Logger
}

// Defaults of Config.
const (
	DefaultHistory     = 4096
	DefaultWatchBuffer = DefaultHistory
)

// maxBatch bounds how many changed keys are applied under one hold of the lock, so that
// a burst (the placement of thousands of pods) does not keep readers waiting long. Keys
// come in batches of whatever changed since the loop last looked: an object that several
// of them touch (a Deployment counts its pods) is made again once per batch, not once
// per key, which is what lets a node keep up with thousands of pods placed at once.
const maxBatch = 1024

// View is the typed, indexed view of one node's store; it is a lifecycle.Runnable.
type View struct {
	src    Source
	shapes Shapes
	log    *slog.Logger
	buffer int

	keys        <-chan []string
	stopKeys    func()
	members     <-chan cluster.MemberEvent
	stopMembers func()

	mu        sync.RWMutex
	version   uint64
	rec       records
	tables    map[Kind]*table
	history   history
	watchers  map[*Watcher]struct{}
	notifiers map[*Notifier]struct{}
	stopped   bool

	docsMu sync.Mutex
	docs   map[string]*document

	// replicaSets are the keys of each Deployment's ReplicaSets, by the Deployment's key;
	// under mu.
	replicaSets map[string][]string
}

// New reads the whole store and the membership into a view, which follows their changes
// once started. It watches from before it reads, so that no change falls between.
func New(cfg Config) *View {
	if cfg.History <= 0 {
		cfg.History = DefaultHistory
	}
	if cfg.WatchBuffer <= 0 {
		cfg.WatchBuffer = DefaultWatchBuffer
	}
	log := cfg.Logger
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	v := &View{
		src:       cfg.Source,
		shapes:    cfg.Shapes,
		log:       log.With("component", "view"),
		buffer:    cfg.WatchBuffer,
		version:   uint64(time.Now().UnixMicro()),
		rec:       newRecords(),
		tables:    map[Kind]*table{},
		history:   newHistory(cfg.History),
		watchers:  map[*Watcher]struct{}{},
		notifiers: map[*Notifier]struct{}{},
		docs:      map[string]*document{},

		replicaSets: map[string][]string{},
	}
	for _, k := range kinds {
		v.tables[k] = newTable(k)
	}
	v.keys, v.stopKeys = v.src.WatchKeyBatches("")
	v.members, v.stopMembers = v.src.WatchMembers()
	v.load()
	return v
}

// load reads every record and makes every object. The objects made here are where the
// history starts: a watch from before them is too old.
func (v *View) load() {
	v.mu.Lock()
	defer v.mu.Unlock()
	d := dirty{}
	for _, prefix := range recordPrefixes {
		for _, e := range v.src.List(prefix) {
			v.rec.apply(e.Key, e, true, d, v.log)
		}
	}
	d.mark(Namespaces, store.DefaultNamespace) // it exists without a record too
	v.reshape(d)
	v.syncNodes()
	v.history.reset(v.version)
}

// Start follows the store and the membership until ctx ends; then it ends every watch.
func (v *View) Start(ctx context.Context) error {
	defer v.stop()
	keys, members := v.keys, v.members
	for {
		select {
		case <-ctx.Done():
			return nil
		case batch, ok := <-keys:
			if !ok {
				keys = nil // the node stopped: nothing more will change
				continue
			}
			d := dirty{}
			for len(batch) > 0 {
				n := min(len(batch), maxBatch)
				v.refresh(batch[:n], d, n == len(batch))
				batch = batch[n:]
			}
		case _, ok := <-members:
			if !ok {
				members = nil
				continue
			}
			v.freshNodes()
		}
	}
}

// Refresh reads keys from the store again and applies what changed. The loop calls it for
// the keys the store reports; the API calls it after its own writes, so that they are in
// the view when the write returns.
func (v *View) Refresh(keys ...string) {
	v.refresh(keys, dirty{}, true)
}

// refresh applies keys, one part of a batch, marking in d what they touch. With last it
// makes again every object marked; before the last part, only the pods. A burst of
// thousands of pods comes in parts of maxBatch keys, so that readers do not wait for all
// of it, and each part touches nearly every Deployment of the burst: made after every
// part, each was encoded again as many times, for statuses that the next part changes
// anyway. Its pods are there as soon as their part is; its owners follow with the last.
func (v *View) refresh(keys []string, d dirty, last bool) {
	v.mu.Lock()
	defer v.mu.Unlock()
	changed := false
	for _, k := range keys {
		if !isRecord(k) {
			continue
		}
		e, ok := v.src.Get(k)
		changed = v.rec.apply(k, e, ok, d, v.log) || changed
	}
	before := v.version
	if last {
		v.reshape(d)
	} else {
		v.reshapePods(d)
	}
	if changed && v.version == before {
		// A record changed that no object shows (the whitelist, the ports a node found
		// open): the documents made of the records are new all the same.
		v.version++
	}
	v.notify(before)
}

// Version is the view's current resource version.
func (v *View) Version() uint64 {
	v.mu.RLock()
	defer v.mu.RUnlock()
	return v.version
}

// Read calls fn with the records and the version they are at, for answers made of the
// whole state (the endpoints). fn must neither keep nor change what it is given; the view
// waits for it before it applies more changes.
func (v *View) Read(fn func(st *store.State, version uint64)) {
	v.mu.RLock()
	defer v.mu.RUnlock()
	fn(&v.rec.st, v.version)
}

// stop ends the store's and the membership's feeds and every watch.
func (v *View) stop() {
	v.stopKeys()
	v.stopMembers()
	v.mu.Lock()
	defer v.mu.Unlock()
	v.stopped = true
	for w := range v.watchers {
		v.end(w, ErrStopped)
	}
	for n := range v.notifiers {
		n.end()
	}
}
