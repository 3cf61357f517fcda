package view

import (
	"errors"
	"fmt"
	"maps"
	"slices"
	"sync"

	"github.com/podman-swarm/podman-swarm/api"
)

// Event is one change of an object, as a watch sends it.
type Event struct {
	Type   api.EventType // ADDED, MODIFIED or DELETED
	Object *Object       // as it is now; DELETED: as it last was, at the version of its deletion
	// prev is a MODIFIED object as it was before, for the watches whose filter it leaves
	// or enters (a pod that moves off a node, an object whose labels change).
	prev *Object
}

// Why the view ends a watch.
var (
	// ErrOverflow: more changes waited for the watcher than Config.WatchBuffer; the
	// client lists again.
	ErrOverflow = errors.New("the watcher fell too far behind the changes")
	// ErrStopped: the view stopped (the agent stops).
	ErrStopped = errors.New("the view stopped")
)

// ExpiredError is a watch asked to go on from a version whose later changes the view does
// not all hold: older than the oldest it keeps, or one it never gave (from another node,
// or from before the agent restarted). The client lists again.
type ExpiredError struct {
	Requested uint64
	Oldest    uint64 // the oldest version a watch may go on from
	Current   uint64
}

func (e *ExpiredError) Error() string {
	if e.Requested > e.Current {
		return fmt.Sprintf("too old resource version: %d is none of this node's, which is at %d; list again", e.Requested, e.Current)
	}
	return fmt.Sprintf("too old resource version: %d (%d)", e.Requested, e.Oldest)
}

// Watcher is one open watch. Its events wait in a buffer of their own, up to
// Config.WatchBuffer of them; one more ends the watch instead of waiting, so that a client
// that reads slowly, or not at all, holds up nothing but itself. The buffer takes a burst
// (an apply of many objects) that comes faster than any client reads.
type Watcher struct {
	v       *View
	kind    Kind
	filter  Filter
	initial []Event
	version uint64

	mu    sync.Mutex
	queue []Event
	limit int
	wake  chan struct{} // a signal waits while the queue has events
	done  chan struct{}
	err   error
}

// Watch opens a watch of the objects of kind that f keeps. From 0 it starts with an ADDED
// event for each of them; from a version, with the changes after it that the view keeps,
// or fails with an *ExpiredError when it does not keep them all. Initial has those
// events; Take has the changes after them.
func (v *View) Watch(kind Kind, f Filter, from uint64) (*Watcher, error) {
	if kind == Nodes {
		v.freshNodes()
	}
	v.mu.Lock()
	defer v.mu.Unlock()
	if v.stopped {
		return nil, ErrStopped
	}
	w := &Watcher{v: v, kind: kind, filter: f, version: v.version, limit: v.buffer,
		wake: make(chan struct{}, 1), done: make(chan struct{})}
	if from == 0 {
		t := v.tables[kind]
		for _, key := range slices.Sorted(maps.Keys(t.objects)) {
			if o := t.objects[key]; f.keeps(o) {
				w.initial = append(w.initial, Event{Type: api.Added, Object: o})
			}
		}
	} else {
		if from < v.history.floor || from > v.version {
			return nil, &ExpiredError{Requested: from, Oldest: v.history.floor, Current: v.version}
		}
		v.history.since(from, func(ev Event) {
			if ev, ok := w.sees(ev); ok {
				w.initial = append(w.initial, ev)
			}
		})
	}
	v.watchers[w] = struct{}{}
	return w, nil
}

// Initial are the events the watch starts with.
func (w *Watcher) Initial() []Event { return w.initial }

// Version is the view's version when the watch began: Initial brings the watcher there.
func (w *Watcher) Version() uint64 { return w.version }

// Ready signals that events wait: Take them.
func (w *Watcher) Ready() <-chan struct{} { return w.wake }

// Take gives the events that wait, in order, and empties the buffer. Every change up to
// the view's Version at the time Take is called is among them or was taken before.
func (w *Watcher) Take() []Event {
	w.mu.Lock()
	defer w.mu.Unlock()
	evs := w.queue
	w.queue = nil
	return evs
}

// Done is closed when the view ended the watch (Err says why), or Stop did. Events that
// waited then are dropped: the client lists again.
func (w *Watcher) Done() <-chan struct{} { return w.done }

// Err is why the view ended the watch, once Done is closed: ErrOverflow or ErrStopped;
// nil after Stop.
func (w *Watcher) Err() error {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.err
}

// push queues ev; it reports false when the buffer is full.
func (w *Watcher) push(ev Event) bool {
	w.mu.Lock()
	if len(w.queue) >= w.limit {
		w.mu.Unlock()
		return false
	}
	w.queue = append(w.queue, ev)
	w.mu.Unlock()
	select {
	case w.wake <- struct{}{}:
	default:
	}
	return true
}

// Stop ends the watch.
func (w *Watcher) Stop() {
	w.v.mu.Lock()
	defer w.v.mu.Unlock()
	if _, ok := w.v.watchers[w]; ok {
		w.v.end(w, nil)
	}
}

// sees gives ev as this watcher sees it, if it sees it at all. A watch sees an object that
// comes to match its filter (a pod moved to its node, an object given its label) added,
// and one that stops matching deleted, as Kubernetes' selectors do.
func (w *Watcher) sees(ev Event) (Event, bool) {
	if ev.Object.Kind != w.kind {
		return ev, false
	}
	now := w.filter.keeps(ev.Object)
	if ev.Type != api.Modified || ev.prev == nil {
		return ev, now
	}
	before := w.filter.keeps(ev.prev)
	switch {
	case now && !before:
		ev.Type = api.Added
	case before && !now:
		ev.Type = api.Deleted
	}
	return ev, now || before
}

// record keeps a change in the history and hands it to the watchers that see it; one whose
// buffer is full is ended rather than waited for.
func (v *View) record(ev Event) {
	v.history.add(ev)
	for w := range v.watchers {
		e, ok := w.sees(ev)
		if !ok {
			continue
		}
		if !w.push(e) {
			v.log.Info("closing a watch whose client reads too slowly; it lists again",
				"kind", w.kind, "namespace", w.filter.Namespace, "waiting", w.limit)
			v.end(w, ErrOverflow)
		}
	}
}

// end ends a watch; under v.mu.
func (v *View) end(w *Watcher, err error) {
	delete(v.watchers, w)
	w.mu.Lock()
	w.err, w.queue = err, nil
	w.mu.Unlock()
	close(w.done)
}

// Watchers is how many watches and notifiers are open.
func (v *View) Watchers() int {
	v.mu.RLock()
	defer v.mu.RUnlock()
	return len(v.watchers) + len(v.notifiers)
}
