package events

import (
	"cmp"
	"encoding/json"
	"log/slog"
	"slices"
	"strings"

	corev1 "k8s.io/api/core/v1"

	"github.com/podman-swarm/podman-swarm/agent/store"
)

// Filter picks events.
type Filter struct {
	// Namespace is the events' namespace; "" is every namespace.
	Namespace string
	// Object is the object they are about: "NAME", or "KIND/NAME" with KIND a kind in any
	// case or a resource name as `swarm get` takes it (deployment, deploy, svc, ...); ""
	// is every object.
	Object string
}

// Matches reports whether ev passes the filter.
func (f Filter) Matches(ev *corev1.Event) bool {
	if f.Namespace != "" && ev.Namespace != f.Namespace {
		return false
	}
	if f.Object == "" {
		return true
	}
	kind, name, hasKind := strings.Cut(f.Object, "/")
	if !hasKind {
		return ev.InvolvedObject.Name == kind
	}
	want := kindOf(kind)
	if want == "" {
		want = kind
	}
	return ev.InvolvedObject.Name == name && strings.EqualFold(ev.InvolvedObject.Kind, want)
}

// Read returns the events that pass f, the one seen last at the end, as kubectl describe
// lists them. An event that does not decode is logged and left out.
func Read(l store.Lister, f Filter, log *slog.Logger) []*corev1.Event {
	prefix := store.PrefixEvent
	if f.Namespace != "" {
		prefix = store.EventKey(f.Namespace, "")
	}
	var out []*corev1.Event
	for _, e := range l.List(prefix) {
		var ev corev1.Event
		if err := json.Unmarshal(e.Value, &ev); err != nil {
			log.Warn("skipping undecodable event", "key", e.Key, "err", err)
			continue
		}
		if f.Matches(&ev) {
			out = append(out, &ev)
		}
	}
	slices.SortStableFunc(out, func(a, b *corev1.Event) int {
		return cmp.Or(
			a.LastTimestamp.Time.Compare(b.LastTimestamp.Time),
			a.FirstTimestamp.Time.Compare(b.FirstTimestamp.Time),
			cmp.Compare(a.Namespace, b.Namespace),
			cmp.Compare(a.Name, b.Name),
		)
	})
	return out
}
