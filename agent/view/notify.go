package view

import (
	"sync"

	"github.com/podman-swarm/podman-swarm/agent/store"
)

// Notifier tells of changes without saying which: for the answers made whole of the state
// (the endpoints, the whitelist), which their watches make again and send when they
// differ. Changes that come while one is being handled make one more signal, not one
// each, so a notifier never holds anything up.
type Notifier struct {
	v    *View
	c    chan struct{}
	done chan struct{}
}

// Notify opens a notifier: a signal on C after each change the view applies.
func (v *View) Notify() (*Notifier, error) {
	v.mu.Lock()
	defer v.mu.Unlock()
	if v.stopped {
		return nil, ErrStopped
	}
	n := &Notifier{v: v, c: make(chan struct{}, 1), done: make(chan struct{})}
	v.notifiers[n] = struct{}{}
	return n, nil
}

// C signals a change.
func (n *Notifier) C() <-chan struct{} { return n.c }

// Done is closed when the view stopped, or Stop was called.
func (n *Notifier) Done() <-chan struct{} { return n.done }

// Stop closes the notifier.
func (n *Notifier) Stop() {
	n.v.mu.Lock()
	defer n.v.mu.Unlock()
	if _, ok := n.v.notifiers[n]; ok {
		n.end()
	}
}

// end closes the notifier; under v.mu.
func (n *Notifier) end() {
	delete(n.v.notifiers, n)
	close(n.done)
}

// notify signals every notifier when the version moved past before; under v.mu.
func (v *View) notify(before uint64) {
	if v.version == before {
		return
	}
	for n := range v.notifiers {
		select {
		case n.c <- struct{}{}:
		default: // a signal waits already
		}
	}
}

// document is an answer made of the whole state, kept until the view changes.
type document struct {
	mu      sync.Mutex
	version uint64
	data    []byte
}

// Document gives the answer called name that make makes of the records, made again only
// when the view changed since it was last made: an answer made of the whole state (the
// endpoints) costs one making per change, however many clients ask for it or watch it.
// make must neither keep nor change what it is given.
func (v *View) Document(name string, make func(st *store.State) []byte) []byte {
	v.docsMu.Lock()
	d := v.docs[name]
	if d == nil {
		d = &document{}
		v.docs[name] = d
	}
	v.docsMu.Unlock()
	d.mu.Lock()
	defer d.mu.Unlock()
	v.mu.RLock()
	defer v.mu.RUnlock()
	if d.data == nil || d.version != v.version {
		d.data, d.version = make(&v.rec.st), v.version
	}
	return d.data
}
