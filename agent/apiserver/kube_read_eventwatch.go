package apiserver

import (
	"encoding/json"
	"fmt"
	"strings"
	"time"

	"github.com/labstack/echo/v4"
	"github.com/podman-swarm/podman-swarm/agent/store"
	"github.com/podman-swarm/podman-swarm/api"
	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

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
