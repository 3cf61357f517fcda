package apiserver

import (
	"encoding/json"
	"fmt"
	"hash/fnv"
	"net/url"
	"strings"
	"sync"
	"time"

	"github.com/labstack/echo/v4"
	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime/schema"

	"github.com/podman-swarm/podman-swarm/agent/events"
	"github.com/podman-swarm/podman-swarm/agent/kubeapi"
	"github.com/podman-swarm/podman-swarm/agent/store"
	"github.com/podman-swarm/podman-swarm/api"
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

// eventsResource is the registry's entry of events.
func eventsResource() kubeapi.Resource {
	r, _ := kubeapi.ByName("events")
	return r
}

// eventQuery is what a request selects of events, for its lists and watches: the path,
// the project's ?object= and the selectors.
type eventQuery struct {
	filter events.Filter
	sel    eventSelector
	key    string
}

func readEventQuery(c echo.Context) (eventQuery, error) {
	q := eventQuery{filter: events.Filter{Namespace: kubeNamespace(c, eventsResource()), Object: c.QueryParam("object")}}
	var err error
	if q.sel, err = parseEventSelector(c.QueryParam("labelSelector"), c.QueryParam("fieldSelector")); err != nil {
		return q, err
	}
	v := url.Values{"object": {q.filter.Object}, "labelSelector": {c.QueryParam("labelSelector")},
		"fieldSelector": {c.QueryParam("fieldSelector")}, "namespace": {q.filter.Namespace}}
	q.key = c.Request().URL.Path + "?" + v.Encode()
	return q, nil
}

// selected are the events the query keeps, the one seen last at the end, each with its
// key and encoding.
func (k *kubeReader) selected(q eventQuery) (keys []string, items [][]byte, err error) {
	for _, ev := range events.Read(k.a.node, q.filter, k.a.log) {
		if !q.sel.matches(ev) {
			continue
		}
		data, err := json.Marshal(ev)
		if err != nil {
			return nil, nil, fmt.Errorf("encode an event: %w", err)
		}
		keys, items = append(keys, store.EventKey(ev.Namespace, ev.Name)), append(items, data)
	}
	return keys, items, nil
}

// eventList answers the events of the cluster (/api/v1/events; ?namespace= and the
// project's ?object=KIND/NAME narrow them) or of a namespace, or watches them.
func (k *kubeReader) eventList(shared bool) echo.HandlerFunc {
	return func(c echo.Context) error {
		q, err := readEventQuery(c)
		if err != nil {
			return err
		}
		watch, err := watchParam(c)
		if err != nil {
			return err
		}
		if watch {
			return k.eventWatch(c, q, shared)
		}
		neg, err := negotiate(c.Request().Header.Get(echo.HeaderAccept))
		if err != nil {
			return err
		}
		keys, items, err := k.selected(q)
		if err != nil {
			return err
		}
		seen := make(map[string]uint64, len(keys))
		for i, key := range keys {
			seen[key] = digest(items[i])
		}
		version := k.events.keep(k.a.view.Version(), &eventList{query: q.key, seen: seen, made: time.Now()})
		return k.answerList(c, eventsResource(), neg, version, items)
	}
}

// eventGet answers one event of a namespace.
func (k *kubeReader) eventGet(c echo.Context) error {
	neg, err := negotiate(c.Request().Header.Get(echo.HeaderAccept))
	if err != nil {
		return err
	}
	ns, name := c.Param("namespace"), c.Param("name")
	if strings.Contains(name, "/") {
		return echo.ErrNotFound // see get
	}
	e, ok := k.a.node.Get(store.EventKey(ns, name))
	if !ok || e.Deleted {
		return apierrors.NewNotFound(schema.GroupResource{Resource: "events"}, name)
	}
	var ev corev1.Event
	if err := json.Unmarshal(e.Value, &ev); err != nil {
		return fmt.Errorf("decode the event %s/%s: %w", ns, name, err)
	}
	data, err := json.Marshal(&ev)
	if err != nil {
		return fmt.Errorf("encode an event: %w", err)
	}
	return answerObject(c, eventsResource(), neg, data)
}

// eventWatch streams the events q selects: from a list's version, what changed since that
// list; without one (or "0"), every event held now, ADDED; then each event as its record
// arrives, ADDED when new, MODIFIED when counted again, DELETED when retention drops it.
func (k *kubeReader) eventWatch(c echo.Context, q eventQuery, shared bool) error {
	a := k.a
	neg, err := negotiate(c.Request().Header.Get(echo.HeaderAccept))
	if err != nil {
		return err
	}
	include, err := includeParam(c.QueryParam("includeObject"))
	if err != nil {
		return err
	}
	o, err := kubeWatchOptions(c, shared)
	if err != nil {
		return err
	}
	var since *eventList
	if o.from != 0 {
		l, ok := k.events.find(o.from, time.Now())
		if !ok || l.query != q.key {
			return apierrors.NewResourceExpired(fmt.Sprintf("too old resource version: %d is no list of events this node keeps "+
				"(it keeps them %s); list again", o.from, eventListTTL))
		}
		since = l
	}
	encode := eventEncoder(eventsResource(), neg, include)
	changed, stop := a.node.WatchKeys(store.PrefixEvent)
	defer stop()
	keys, items, err := k.selected(q)
	if err != nil {
		return err
	}
	s := startStream(c, nil)
	defer s.end()
	add := func(t api.EventType, obj []byte) error {
		data, err := encode(obj)
		if err == nil {
			s.add(t, data)
		}
		return err
	}
	sent := map[string][]byte{} // key -> the event as last sent, or as the list had it
	for i, key := range keys {
		sent[key] = items[i]
		typ := api.Added
		if since != nil {
			d, listed := since.seen[key]
			switch {
			case listed && d == digest(items[i]):
				continue
			case listed:
				typ = api.Modified
			}
		}
		if err := add(typ, items[i]); err != nil {
			return err
		}
	}
	if since != nil {
		for key := range since.seen {
			if _, ok := sent[key]; !ok {
				if err := add(api.Deleted, deletedEvent(key)); err != nil {
					return err
				}
			}
		}
	}
	if o.initialEnd {
		s.add(api.Bookmark, eventBookmark(true))
	}
	var tick, timeout <-chan time.Time
	if o.bookmarks {
		t := time.NewTicker(a.bookmarks)
		defer t.Stop()
		tick = t.C
	}
	if o.timeout > 0 {
		t := time.NewTimer(o.timeout)
		defer t.Stop()
		timeout = t.C
	}
	ctx := c.Request().Context()
	_ = s.rc.Flush() // the headers, also when no event goes out yet
	for {
		if err := s.flush(); err != nil {
			a.log.Debug("watch of events ended", "err", err)
			return nil
		}
		select {
		case <-ctx.Done():
			return nil
		case <-timeout:
			return nil
		case key, ok := <-changed:
			if !ok {
				return nil
			}
			if err := k.sendEventChange(q, key, sent, add); err != nil {
				return err
			}
		case <-tick:
			s.add(api.Bookmark, eventBookmark(false))
		}
	}
}

// sendEventChange sends what became of the event under key, if q selects it.
func (k *kubeReader) sendEventChange(q eventQuery, key string, sent map[string][]byte, add func(api.EventType, []byte) error) error {
	e, ok := k.a.node.Get(key)
	if !ok || e.Deleted {
		if last, was := sent[key]; was {
			delete(sent, key)
			return add(api.Deleted, last)
		}
		return nil
	}
	var ev corev1.Event
	if err := json.Unmarshal(e.Value, &ev); err != nil {
		k.a.log.Warn("skipping undecodable event", "key", key, "err", err)
		return nil
	}
	if !q.filter.Matches(&ev) || !q.sel.matches(&ev) {
		return nil
	}
	data, err := json.Marshal(&ev)
	if err != nil {
		return fmt.Errorf("encode an event: %w", err)
	}
	typ := api.Added
	if _, was := sent[key]; was {
		typ = api.Modified
	}
	sent[key] = data
	return add(typ, data)
}

// deletedEvent is the object of the DELETED event of an event a list held that is gone,
// whose last state is not kept: its name and namespace.
func deletedEvent(key string) []byte {
	rest, _ := strings.CutPrefix(key, store.PrefixEvent)
	ns, name, _ := strings.Cut(rest, "/")
	return mustJSON(map[string]any{"apiVersion": "v1", "kind": "Event", "metadata": map[string]string{"namespace": ns, "name": name}})
}

// eventBookmark is the object of a BOOKMARK of a watch of events: the kind and, after the
// events it starts with, Kubernetes' annotation that says so.
func eventBookmark(initialEnd bool) []byte {
	o := map[string]any{"apiVersion": "v1", "kind": "Event", "metadata": map[string]any{"resourceVersion": "0"}}
	if initialEnd {
		o["metadata"] = map[string]any{"resourceVersion": "0", "annotations": map[string]string{metav1.InitialEventsAnnotationKey: "true"}}
	}
	return mustJSON(o)
}

func mustJSON(v any) []byte {
	data, err := json.Marshal(v)
	if err != nil {
		panic("encode an event: " + err.Error())
	}
	return data
}
