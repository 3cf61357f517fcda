package cluster

import "sync"

// waiters routes the answers of members to the request waiting for them, by the request's
// id: the acknowledgements of a write (replicate.go), the answers to a key rotation step
// (rotate.go). An answer to a request nobody waits for any more is dropped.
type waiters[T any] struct {
	mu      sync.Mutex
	nextID  uint64
	pending map[uint64]chan T
}

// open registers a request sent to peers members and returns its id and the channel its
// answers arrive on.
func (w *waiters[T]) open(peers int) (uint64, <-chan T) {
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.pending == nil {
		w.pending = make(map[uint64]chan T)
	}
	w.nextID++
	// Room for an answer and a send failure from every peer, so that
	// deliver never blocks the receive path.
	ch := make(chan T, 2*peers)
	w.pending[w.nextID] = ch
	return w.nextID, ch
}

// close stops waiting for the answers of request id.
func (w *waiters[T]) close(id uint64) {
	w.mu.Lock()
	defer w.mu.Unlock()
	delete(w.pending, id)
}

// deliver hands an answer to request id, if anyone still waits for it.
func (w *waiters[T]) deliver(id uint64, a T) {
	w.mu.Lock()
	defer w.mu.Unlock()
	if ch, ok := w.pending[id]; ok {
		select {
		case ch <- a:
		default:
		}
	}
}
