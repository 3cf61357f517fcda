package view

// history keeps the latest changes, oldest first, for watches that go on from a version.
type history struct {
	events []Event // a ring of at most cap(events)
	start  int     // where the oldest is, once the ring is full
	// floor is the version after which every change is kept: a watch may go on from it or
	// a later version, never an earlier one.
	floor uint64
}

func newHistory(size int) history {
	return history{events: make([]Event, 0, size)}
}

// reset forgets every change: a watch may go on from version and later ones only.
func (h *history) reset(version uint64) {
	clear(h.events)
	h.events, h.start, h.floor = h.events[:0], 0, version
}

// add keeps ev, the latest change, forgetting the oldest one when full.
func (h *history) add(ev Event) {
	if len(h.events) < cap(h.events) {
		h.events = append(h.events, ev)
		return
	}
	h.floor = h.events[h.start].Object.Version
	h.events[h.start] = ev
	h.start = (h.start + 1) % len(h.events)
}

// since calls fn with every kept change made after version, oldest first.
func (h *history) since(version uint64, fn func(Event)) {
	n := len(h.events)
	for i := range n {
		if ev := h.events[(h.start+i)%n]; ev.Object.Version > version {
			fn(ev)
		}
	}
}
