package apiserver

import (
	"encoding/json"
	"net/http"
	"time"

	"github.com/labstack/echo/v4"
	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/podman-swarm/podman-swarm/agent/events"
	"github.com/podman-swarm/podman-swarm/agent/store"
	"github.com/podman-swarm/podman-swarm/api"
)

// watchEvents streams the events that pass f and the selectors: those held now (ADDED), a
// BOOKMARK that ends them, then each event as its record arrives here, ADDED when new,
// MODIFIED when counted again, DELETED when retention drops it. Events are records of the
// store rather than objects of the view, which numbers the changes a watch goes on from:
// a watch of events starts from now, and one asked to go on from a resourceVersion is
// answered 410 Gone, which tells the client to list again, as the API server does once it
// no longer holds that version.
func (a *Server) watchEvents(c echo.Context, f events.Filter) error {
	if rv := c.QueryParam("resourceVersion"); rv != "" && rv != "0" {
		st := apierrors.NewResourceExpired("too old resource version: events are watched from now on; list them again").Status()
		st.TypeMeta = metav1.TypeMeta{APIVersion: "v1", Kind: "Status"}
		return c.JSON(http.StatusGone, st)
	}
	if _, err := selectEvents(c, nil); err != nil { // a malformed selector is refused before the stream starts
		return err
	}
	keys, stop := a.node.WatchKeys(store.PrefixEvent)
	defer stop()
	s := startStream(c, nil)
	defer s.end()
	sent := map[string][]byte{} // key -> the event as last sent
	initial, err := selectEvents(c, events.Read(a.node, f, a.log))
	if err != nil {
		return err
	}
	for _, ev := range initial {
		data := mustJSON(ev)
		sent[store.EventKey(ev.Namespace, ev.Name)] = data
		s.add(api.Added, data)
	}
	s.add(api.Bookmark, eventBookmark(true))
	tick := time.NewTicker(a.bookmarks)
	defer tick.Stop()
	ctx := c.Request().Context()
	for {
		if err := s.flush(); err != nil {
			a.log.Debug("watch of events ended", "err", err)
			return nil
		}
		select {
		case <-ctx.Done():
			return nil
		case key, ok := <-keys:
			if !ok {
				return nil
			}
			a.sendEvent(c, f, s, sent, key)
		case <-tick.C:
			s.add(api.Bookmark, eventBookmark(false))
		}
	}
}

// sendEvent adds to s what became of the event under key, if it passes the filters.
func (a *Server) sendEvent(c echo.Context, f events.Filter, s *eventStream, sent map[string][]byte, key string) {
	e, ok := a.node.Get(key)
	if !ok {
		if last, was := sent[key]; was {
			delete(sent, key)
			s.add(api.Deleted, last)
		}
		return
	}
	var ev corev1.Event
	if err := json.Unmarshal(e.Value, &ev); err != nil {
		a.log.Warn("skipping undecodable event", "key", key, "err", err)
		return
	}
	if !f.Matches(&ev) {
		return
	}
	if kept, _ := selectEvents(c, []*corev1.Event{&ev}); len(kept) == 0 {
		return
	}
	data := mustJSON(&ev)
	typ := api.Added
	if _, was := sent[key]; was {
		typ = api.Modified
	}
	sent[key] = data
	s.add(typ, data)
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
