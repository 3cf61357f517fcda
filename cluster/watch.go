package cluster

import "sync"

// feed hands values to one subscriber through a channel without ever blocking
// the sender: values wait in a queue until the subscriber reads them. With a
// key function, a value whose key is already waiting is not queued again,
// which suits level-triggered readers that reread the state for a key anyway.
type feed[T any] struct {
	mu      sync.Mutex
	queue   []T
	waiting map[string]bool
	keyOf   func(T) string
	wake    chan struct{}
	out     chan T
	done    chan struct{}
	once    sync.Once
}

func newFeed[T any](keyOf func(T) string) *feed[T] {
	f := &feed[T]{
		keyOf: keyOf,
		wake:  make(chan struct{}, 1),
		out:   make(chan T),
		done:  make(chan struct{}),
	}
	if keyOf != nil {
		f.waiting = make(map[string]bool)
	}
	go f.run()
	return f
}

func (f *feed[T]) push(v T) {
	f.mu.Lock()
	if f.keyOf != nil {
		k := f.keyOf(v)
		if f.waiting[k] {
			f.mu.Unlock()
			return
		}
		f.waiting[k] = true
	}
	f.queue = append(f.queue, v)
	f.mu.Unlock()
	select {
	case f.wake <- struct{}{}:
	default:
	}
}

func (f *feed[T]) run() {
	defer close(f.out)
	for {
		f.mu.Lock()
		if len(f.queue) == 0 {
			f.mu.Unlock()
			select {
			case <-f.wake:
				continue
			case <-f.done:
				return
			}
		}
		v := f.queue[0]
		var zero T
		f.queue[0] = zero
		f.queue = f.queue[1:]
		if f.keyOf != nil {
			delete(f.waiting, f.keyOf(v))
		}
		f.mu.Unlock()
		select {
		case f.out <- v:
		case <-f.done:
			return
		}
	}
}

func (f *feed[T]) stop() {
	f.once.Do(func() { close(f.done) })
}

// hub fans values out to the feeds of its subscribers.
type hub[T any] struct {
	mu     sync.Mutex
	subs   map[*feed[T]]func(T) bool
	closed bool
}

// subscribe returns a channel of the published values that match, and a
// function that ends the subscription and closes the channel.
func (h *hub[T]) subscribe(match func(T) bool, keyOf func(T) string) (<-chan T, func()) {
	f := newFeed(keyOf)
	h.mu.Lock()
	if h.closed {
		h.mu.Unlock()
		f.stop()
		return f.out, func() {}
	}
	if h.subs == nil {
		h.subs = make(map[*feed[T]]func(T) bool)
	}
	h.subs[f] = match
	h.mu.Unlock()
	return f.out, func() {
		h.mu.Lock()
		delete(h.subs, f)
		h.mu.Unlock()
		f.stop()
	}
}

func (h *hub[T]) publish(v T) {
	h.mu.Lock()
	defer h.mu.Unlock()
	for f, match := range h.subs {
		if match(v) {
			f.push(v)
		}
	}
}

// close ends every subscription; later ones get a closed channel.
func (h *hub[T]) close() {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.closed = true
	for f := range h.subs {
		f.stop()
	}
	h.subs = nil
}
