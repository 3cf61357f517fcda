package events

import (
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/podman-swarm/podman-swarm/agent/store"
	"github.com/podman-swarm/podman-swarm/cluster"
)

// Store is the part of the cluster store that events need.
type Store interface {
	Get(key string) (cluster.Entry, bool)
	Put(key string, value []byte) (cluster.Version, error)
	Delete(key string) (cluster.Version, error)
	List(prefix string) []cluster.Entry
	Members() []cluster.Member
}

// Recorder writes events into the store for this node. It is safe for concurrent use.
type Recorder struct {
	store Store
	host  string
	now   func() time.Time
	log   *slog.Logger
	// recorded wakes the events part, which enforces the retention bounds, after a write.
	recorded chan struct{}
}

// NewRecorder records events as host (the node's name, the events' source.host), timed by
// now (nil is time.Now).
func NewRecorder(s Store, host string, now func() time.Time, log *slog.Logger) *Recorder {
	if now == nil {
		now = time.Now
	}
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	return &Recorder{
		store:    s,
		host:     host,
		now:      now,
		log:      log.With("component", "events"),
		recorded: make(chan struct{}, 1),
	}
}

// Event records that something happened to obj; eventType is corev1.EventTypeNormal or
// corev1.EventTypeWarning, reason a short CamelCase word, message a sentence for people.
// An event like one this node already holds (same object, type, reason and message) is
// counted once more, with a new lastTimestamp, instead of added. A failure to record is
// logged, not returned: an event is worth less than the work that reports it.
func (r *Recorder) Event(obj corev1.ObjectReference, eventType, reason, message string) {
	r.record(obj, eventType, reason, message, false)
}

// Eventf is Event with a message formatted by fmt.Sprintf.
func (r *Recorder) Eventf(obj corev1.ObjectReference, eventType, reason, format string, args ...any) {
	r.record(obj, eventType, reason, fmt.Sprintf(format, args...), false)
}

// recordOnce records an event unless one like it is already held, by whichever node: for
// occurrences that several nodes may report, which must show once.
func (r *Recorder) recordOnce(obj corev1.ObjectReference, eventType, reason, message string) bool {
	return r.record(obj, eventType, reason, message, true)
}

// record writes the event, or counts it once more; with once, an event already held is
// left as it is. It reports whether it wrote.
func (r *Recorder) record(obj corev1.ObjectReference, eventType, reason, message string, once bool) bool {
	now := r.now()
	ev := newEvent(obj, eventType, reason, message, r.host, now)
	key := store.EventKey(ev.Namespace, ev.Name)
	if e, ok := r.store.Get(key); ok {
		if once {
			return false
		}
		var held corev1.Event
		if err := json.Unmarshal(e.Value, &held); err == nil {
			ev.FirstTimestamp, ev.CreationTimestamp = held.FirstTimestamp, held.CreationTimestamp
			ev.Count = held.Count + 1
			ev.LastTimestamp = metav1.NewTime(now)
		}
	}
	if _, err := r.store.Put(key, store.MustJSON(ev)); err != nil {
		r.log.Warn("record an event", "object", obj.Kind+" "+obj.Namespace+"/"+obj.Name, "reason", reason, "err", err)
		return false
	}
	level := slog.LevelInfo
	if eventType == corev1.EventTypeWarning {
		level = slog.LevelWarn
	}
	r.log.Log(context.Background(), level, "event recorded", "object", obj.Kind+" "+obj.Namespace+"/"+obj.Name,
		"type", eventType, "reason", reason, "message", message)
	select {
	case r.recorded <- struct{}{}:
	default:
	}
	return true
}
