package apiserver

import (
	"encoding/json"
	"fmt"
	"net/http"
	"strconv"
	"time"

	"github.com/labstack/echo/v4"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/podman-swarm/podman-swarm/agent/kubeapi"
	"github.com/podman-swarm/podman-swarm/agent/view"
	"github.com/podman-swarm/podman-swarm/api"
)

// watchOptions are a watch's parameters, as Kubernetes names them.
type watchOptions struct {
	from uint64 // the version to go on from; 0 starts with every object (none, "0")
	// bookmarks: BOOKMARK events, the current version now and then, which a Kubernetes
	// client gets only when it asks (?allowWatchBookmarks=true).
	bookmarks bool
	// initialEnd: a BOOKMARK that says the events the watch starts with are all sent.
	initialEnd bool
	timeout    time.Duration // 0: none
}

// kubeWatchOptions reads a watch's parameters. A watch of a path the project's own clients
// read too (shared) keeps the project's protocol when it asks for no media type (the
// project's clients send no Accept header, Kubernetes' always do): a BOOKMARK ends the
// events it starts with, and more come now and then.
func kubeWatchOptions(c echo.Context, shared bool) (watchOptions, error) {
	var o watchOptions
	var err error
	if o.from, err = resourceVersionParam(c); err != nil {
		return o, err
	}
	bad := func(msg string) error {
		return newStatusError(http.StatusBadRequest, metav1.StatusReasonBadRequest, msg)
	}
	q := c.QueryParams()
	allow, err := optionalBool(q.Get("allowWatchBookmarks"))
	if err != nil {
		return o, bad("allowWatchBookmarks: " + err.Error())
	}
	initial, err := optionalBool(q.Get("sendInitialEvents"))
	if err != nil {
		return o, bad("sendInitialEvents: " + err.Error())
	}
	if initial {
		// The objects as they are now, which is never older than any version asked for.
		o.from = 0
	}
	project := shared && c.Request().Header.Get(echo.HeaderAccept) == ""
	o.bookmarks = allow || project
	o.initialEnd = o.bookmarks && (initial || project)
	if s := q.Get("timeoutSeconds"); s != "" {
		n, err := strconv.ParseInt(s, 10, 64)
		if err != nil || n < 0 {
			return o, bad(fmt.Sprintf("timeoutSeconds %q: want a number of seconds", s))
		}
		o.timeout = time.Duration(n) * time.Second
	}
	return o, nil
}

// optionalBool reads a boolean parameter as Go spells them; "" is false.
func optionalBool(s string) (bool, error) {
	if s == "" {
		return false, nil
	}
	return strconv.ParseBool(s)
}

// watch streams the changes of r's objects that f keeps, each in the form the request
// accepts (the object, a Table of its row, its metadata), as Kubernetes' watches do.
func (k *kubeReader) watch(c echo.Context, r kubeapi.Resource, f view.Filter, shared bool) error {
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
	encode := eventEncoder(r, neg, include)
	w, err := a.view.Watch(r.View, f, o.from)
	if err != nil {
		return watchRefused(c, err)
	}
	defer w.Stop()
	s := startStream(c, w.Done())
	defer s.end()
	send := func(evs []view.Event, last uint64) (uint64, error) {
		for _, ev := range evs {
			data, err := encode(ev.Object.JSON)
			if err != nil {
				return last, err
			}
			s.add(ev.Type, data)
			last = ev.Object.Version
		}
		return last, nil
	}
	last, err := send(w.Initial(), w.Version())
	if err != nil {
		return err
	}
	last = max(last, w.Version())
	if o.initialEnd {
		s.add(api.Bookmark, bookmark(r.View, w.Version(), true))
	}
	var tick <-chan time.Time
	if o.bookmarks {
		t := time.NewTicker(a.bookmarks)
		defer t.Stop()
		tick = t.C
	}
	var timeout <-chan time.Time
	if o.timeout > 0 {
		t := time.NewTimer(o.timeout)
		defer t.Stop()
		timeout = t.C
	}
	ctx := c.Request().Context()
	// The headers go out at once, also when no event does: a client waits for them.
	_ = s.rc.Flush()
	for {
		if err := s.flush(); err != nil {
			a.watchEnded(r.View, w, err)
			return nil
		}
		select {
		case <-ctx.Done():
			return nil
		case <-timeout:
			return nil
		case <-w.Done():
			a.watchEnded(r.View, w, nil)
			return nil
		case <-w.Ready():
			if last, err = send(w.Take(), last); err != nil {
				return err
			}
		case <-tick:
			// Every change up to the view's version waits in the watcher's buffer by now:
			// they go out before the bookmark that says the client has them.
			at := a.view.Version()
			if last, err = send(w.Take(), last); err != nil {
				return err
			}
			s.add(api.Bookmark, bookmark(r.View, max(at, last), false))
		}
	}
}

// eventEncoder is how a watch sends each object: as it is, as a Table of one row (kubectl
// get -w), or as its metadata.
func eventEncoder(r kubeapi.Resource, neg negotiated, include string) func([]byte) ([]byte, error) {
	switch neg.form {
	case formTable:
		p, _ := kubeapi.PrinterFor(r.Name)
		return func(obj []byte) ([]byte, error) {
			t, err := tableOf(p, neg.version, metav1.ListMeta{}, [][]byte{obj}, include, time.Now())
			if err != nil {
				return nil, err
			}
			return json.Marshal(t)
		}
	case formMetadata:
		return func(obj []byte) ([]byte, error) { return partialMetadata(obj, neg.version) }
	}
	return func(obj []byte) ([]byte, error) { return obj, nil }
}
