package cluster

import "sync"

// feed hands values to one subscriber through a channel without ever blocking
// the sender: values wait in a queue until the subscriber reads them. With a
// key function, a value whose key is already waiting is not queued again,
// which suits level-triggered readers that reread the state for a key anyway.
//
// A batch feed hands everything waiting at once instead, as one slice: a reader that
// does work per wake-up (the view reshapes the objects a change touches) then pays for
// a burst of thousands of keys once, where one value per receive would leave it to
// the scheduler how many it finds waiting, and on a busy machine that is one or two.
type feed[T any] struct {
	mu      sync.Mutex
	queue   []T
	waiting map[string]bool
	keyOf   func(T) string
	wake    chan struct{}
	out     chan T   // one value per receive; nil for a batch feed
	batches chan []T // everything waiting per receive; nil otherwise
	done    chan struct{}
	once    sync.Once
}

// newFeed starts a feed that hands one value per receive on out, or, with batch,
// everything waiting per receive on batches.
func newFeed[T any](keyOf func(T) string, batch bool) *feed[T] {
	f := &feed[T]{keyOf: keyOf, wake: make(chan struct{}, 1), done: make(chan struct{})}
	if keyOf != nil {
		f.waiting = make(map[string]bool)
	}
	if batch {
		f.batches = make(chan []T)
		go f.runBatches()
	} else {
		f.out = make(chan T)
		go f.run()
	}
	return f
}

func (f *feed[T]) push(v T) {
	f.pushAll([]T{v}, nil)
}

// pushAll queues the values of vs that match (all of them with a nil match) under one
// hold of the lock: a commit of thousands of keys would otherwise take it thousands of
// times for each subscriber.
func (f *feed[T]) pushAll(vs []T, match func(T) bool) {
	queued := false
	f.mu.Lock()
	for _, v := range vs {
		if match != nil && !match(v) {
			continue
		}
		if f.keyOf != nil {
			k := f.keyOf(v)
			if f.waiting[k] {
				continue
			}
			f.waiting[k] = true
		}
		f.queue = append(f.queue, v)
		queued = true
	}
	f.mu.Unlock()
	if !queued {
		return
	}
	select {
	case f.wake <- struct{}{}:
	default:
	}
}

func (f *feed[T]) run() {
	defer close(f.out)
	for f.lockNonEmpty() {
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

// runBatches hands the whole queue at each receive. Its keys stop waiting when the batch
// leaves the queue, so a key that changes again while the batch waits for its reader
// comes once more in the next one: the reader may have read it before that change.
func (f *feed[T]) runBatches() {
	defer close(f.batches)
	for f.lockNonEmpty() {
		batch := f.queue
		f.queue = nil
		if f.keyOf != nil {
			clear(f.waiting)
		}
		f.mu.Unlock()
		select {
		case f.batches <- batch:
		case <-f.done:
			return
		}
	}
}

// lockNonEmpty waits until something is queued and returns with f.mu held, or returns
// false, f.mu not held, once the feed is stopped.
func (f *feed[T]) lockNonEmpty() bool {
	for {
		f.mu.Lock()
		if len(f.queue) > 0 {
			return true
		}
		f.mu.Unlock()
		select {
		case <-f.wake:
		case <-f.done:
			return false
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
	f := newFeed(keyOf, false)
	return f.out, h.add(f, match)
}

// subscribeBatches is subscribe with a batch feed: each receive is every matching value
// published since the last one.
func (h *hub[T]) subscribeBatches(match func(T) bool, keyOf func(T) string) (<-chan []T, func()) {
	f := newFeed(keyOf, true)
	return f.batches, h.add(f, match)
}

// add makes f a subscriber of the values that match, and returns what ends it.
func (h *hub[T]) add(f *feed[T], match func(T) bool) func() {
	h.mu.Lock()
	if h.closed {
		h.mu.Unlock()
		f.stop()
		return func() {}
	}
	if h.subs == nil {
		h.subs = make(map[*feed[T]]func(T) bool)
	}
	h.subs[f] = match
	h.mu.Unlock()
	return func() {
		h.mu.Lock()
		delete(h.subs, f)
		h.mu.Unlock()
		f.stop()
	}
}

func (h *hub[T]) publish(v T) {
	h.publishAll([]T{v})
}

// publishAll publishes every value of vs, in order.
func (h *hub[T]) publishAll(vs []T) {
	h.mu.Lock()
	defer h.mu.Unlock()
	for f, match := range h.subs {
		f.pushAll(vs, match)
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
