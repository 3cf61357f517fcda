package apiserver

import (
	"encoding/json"
	"fmt"
	"net/url"
	"time"

	"github.com/labstack/echo/v4"
	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/runtime/schema"

	"github.com/podman-swarm/podman-swarm/agent/events"
	"github.com/podman-swarm/podman-swarm/agent/kubeapi"
	"github.com/podman-swarm/podman-swarm/agent/store"
)

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
