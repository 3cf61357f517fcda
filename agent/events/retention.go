package events

import (
	"cmp"
	"encoding/json"
	"slices"
	"time"

	corev1 "k8s.io/api/core/v1"

	"github.com/podman-swarm/podman-swarm/agent/store"
	"github.com/podman-swarm/podman-swarm/cluster"
)

// Retention bounds what the cluster keeps of events, since every node holds the whole
// store. Every node applies it to the events whose current version it wrote (and to those
// of nodes no longer alive), so that each event has a node that deletes it.
type Retention struct {
	// MaxAge (default 1h) is how long an event is kept after it was last recorded, counted
	// on the clock of the node that deletes it from when the write reached it.
	MaxAge time.Duration
	// MaxPerObject (default 20) is how many events one object keeps: the newest.
	MaxPerObject int
	// MaxTotal (default 1000) is how many events the cluster keeps: the newest.
	MaxTotal int
	// DeletionMaxAge (default 24h, the store's own tombstone lifetime) is how long the
	// record of what a delete had seen (store.Deletion) is kept: as long as the delete's
	// tombstone can meet a write made without it.
	DeletionMaxAge time.Duration
	// Interval (default 1m) is how often the bounds are applied besides right after this
	// node records an event.
	Interval time.Duration
}

// Defaults of Retention.
const (
	DefaultMaxAge         = time.Hour
	DefaultMaxPerObject   = 20
	DefaultMaxTotal       = 1000
	DefaultDeletionMaxAge = 24 * time.Hour
	DefaultInterval       = time.Minute
)

func (r Retention) withDefaults() Retention {
	if r.MaxAge <= 0 {
		r.MaxAge = DefaultMaxAge
	}
	if r.MaxPerObject <= 0 {
		r.MaxPerObject = DefaultMaxPerObject
	}
	if r.MaxTotal <= 0 {
		r.MaxTotal = DefaultMaxTotal
	}
	if r.DeletionMaxAge <= 0 {
		r.DeletionMaxAge = DefaultDeletionMaxAge
	}
	if r.Interval <= 0 {
		r.Interval = DefaultInterval
	}
	return r
}

// held is what retention needs of one stored event.
type held struct {
	key      string
	writer   string    // the node that wrote the current version
	received time.Time // when that version reached this node, on its clock
	object   string    // kind/namespace/name of the object it is about
	last     time.Time // its lastTimestamp, for ordering
}

// heldEvents reads the events of the store for retention. One that does not decode counts
// as the oldest of an object of its own, so that age removes it.
func heldEvents(entries []cluster.Entry) []held {
	out := make([]held, 0, len(entries))
	for _, e := range entries {
		h := held{key: e.Key, writer: e.Version.Node, received: e.Received, object: e.Key}
		var ev corev1.Event
		if json.Unmarshal(e.Value, &ev) == nil {
			o := ev.InvolvedObject
			h.object, h.last = o.Kind+"/"+o.Namespace+"/"+o.Name, ev.LastTimestamp.Time
		}
		out = append(out, h)
	}
	return out
}

// expired returns the keys of the events that self deletes: past MaxAge, or beyond the
// newest MaxPerObject of their object or the newest MaxTotal of all, and written by self
// or by a node that is not alive. Every node orders the events alike (by lastTimestamp,
// then key), so that they agree on which are beyond the bounds.
func (r Retention) expired(events []held, self string, alive func(node string) bool, now time.Time) []string {
	events = slices.Clone(events)
	slices.SortFunc(events, func(a, b held) int {
		return cmp.Or(b.last.Compare(a.last), cmp.Compare(a.key, b.key))
	})
	perObject := map[string]int{}
	var out []string
	for i, h := range events {
		perObject[h.object]++
		over := perObject[h.object] > r.MaxPerObject || i >= r.MaxTotal || now.Sub(h.received) > r.MaxAge
		if over && (h.writer == self || !alive(h.writer)) {
			out = append(out, h.key)
		}
	}
	slices.Sort(out)
	return out
}

// expiredDeletions returns the keys of the deletion records that self deletes: older than
// DeletionMaxAge and written by self or by a node that is not alive.
func (r Retention) expiredDeletions(records []cluster.Entry, self string, alive func(node string) bool, now time.Time) []string {
	var out []string
	for _, e := range records {
		if now.Sub(e.Received) > r.DeletionMaxAge && (e.Version.Node == self || !alive(e.Version.Node)) {
			out = append(out, e.Key)
		}
	}
	slices.Sort(out)
	return out
}

// retain applies the bounds to the store once.
func retain(s Store, r Retention, self string, now time.Time) (deleted int, err error) {
	alive := aliveMembers(s)
	keys := r.expired(heldEvents(s.List(store.PrefixEvent)), self, alive, now)
	keys = append(keys, r.expiredDeletions(s.List(store.PrefixDeletion), self, alive, now)...)
	for _, k := range keys {
		if _, err := s.Delete(k); err != nil {
			return deleted, err
		}
		deleted++
	}
	return deleted, nil
}

// aliveMembers reports which nodes the store's membership holds alive now.
func aliveMembers(s Store) func(string) bool {
	alive := map[string]bool{}
	for _, m := range s.Members() {
		if m.State == cluster.StateAlive {
			alive[m.Name] = true
		}
	}
	return func(n string) bool { return alive[n] }
}
