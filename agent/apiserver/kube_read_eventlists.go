package apiserver

import (
	"hash/fnv"
	"sync"
	"time"
)

// Events are records of the store rather than objects of the view, which numbers the
// changes a watch goes on from. A list of events is given a version of its own, and what
// it held is kept for a while (a digest of each event, by key), so that a watch from that
// version (kubectl get events -w lists, then watches from the list's version) starts with
// what changed since the list: the events added or counted again, and those deleted.

// eventListTTL is how long a list of events can be watched from.
const eventListTTL = 5 * time.Minute

// maxEventLists bounds the lists of events kept at once.
const maxEventLists = 32

// eventList is what one list of events held.
type eventList struct {
	query string            // what was listed: a watch goes on from a list of the same
	seen  map[string]uint64 // key -> digest of the event as listed
	made  time.Time
}

// eventLists are the lists of events watches may go on from, by version.
type eventLists struct {
	mu    sync.Mutex
	last  uint64
	lists map[uint64]*eventList
	order []uint64
}

func newEventLists() *eventLists { return &eventLists{lists: map[uint64]*eventList{}} }

// keep records a list of events, and gives it a version: above every version this node
// gave a list of events, and at least the view's.
func (l *eventLists) keep(viewVersion uint64, list *eventList) uint64 {
	l.mu.Lock()
	defer l.mu.Unlock()
	for len(l.order) > 0 && (len(l.order) >= maxEventLists || list.made.Sub(l.lists[l.order[0]].made) > eventListTTL) {
		delete(l.lists, l.order[0])
		l.order = l.order[1:]
	}
	l.last = max(l.last+1, viewVersion)
	l.lists[l.last] = list
	l.order = append(l.order, l.last)
	return l.last
}

// find is the list of version, if it is still kept.
func (l *eventLists) find(version uint64, now time.Time) (*eventList, bool) {
	l.mu.Lock()
	defer l.mu.Unlock()
	list, ok := l.lists[version]
	if !ok || now.Sub(list.made) > eventListTTL {
		return nil, false
	}
	return list, true
}

func digest(data []byte) uint64 {
	h := fnv.New64a()
	_, _ = h.Write(data)
	return h.Sum64()
}
