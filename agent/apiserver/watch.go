package apiserver

import (
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"time"

	"github.com/labstack/echo/v4"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/podman-swarm/podman-swarm/agent/view"
	"github.com/podman-swarm/podman-swarm/api"
)

// DefaultBookmarkInterval is how often an open watch is sent a BOOKMARK with the current
// resource version: a client that goes on from it after a break is sent fewer changes,
// and one that hears nothing for much longer knows the connection is gone.
const DefaultBookmarkInterval = 30 * time.Second

// serveWatch streams the changes of the objects of kind that f keeps (see api.WatchEvent).
func (a *Server) serveWatch(c echo.Context, kind view.Kind, f view.Filter) error {
	from, err := resourceVersionParam(c)
	if err != nil {
		return err
	}
	w, err := a.view.Watch(kind, f, from)
	if err != nil {
		return watchRefused(c, err)
	}
	defer w.Stop()
	s := startStream(c, w.Done())
	defer s.end()
	for _, ev := range w.Initial() {
		s.add(ev.Type, ev.Object.JSON)
	}
	s.add(api.Bookmark, bookmark(kind, w.Version(), true))
	last := w.Version()
	tick := time.NewTicker(a.bookmarks)
	defer tick.Stop()
	ctx := c.Request().Context()
	for {
		if err := s.flush(); err != nil {
			a.watchEnded(kind, w, err)
			return nil
		}
		select {
		case <-ctx.Done():
			return nil
		case <-w.Done():
			a.watchEnded(kind, w, nil)
			return nil
		case <-w.Ready():
			last = add(s, w.Take(), last)
		case <-tick.C:
			// Every change up to the view's version waits in the watcher's buffer by now:
			// they go out before the bookmark that says the client has them.
			at := a.view.Version()
			last = add(s, w.Take(), last)
			s.add(api.Bookmark, bookmark(kind, max(at, last), false))
		}
	}
}

// add gathers events for the stream, and gives the version of the last one.
func add(s *eventStream, evs []view.Event, last uint64) uint64 {
	for _, ev := range evs {
		s.add(ev.Type, ev.Object.JSON)
		last = ev.Object.Version
	}
	return last
}

// watchEnded logs why a watch ended, other than by its client going away.
func (a *Server) watchEnded(kind view.Kind, w *view.Watcher, err error) {
	if w.Err() != nil {
		err = w.Err()
	}
	a.log.Debug("watch ended", "kind", kind, "err", err)
}

// resourceVersionParam reads ?resourceVersion=; none, or "0" (kubectl's "any"), is 0:
// start with the objects as they are.
func resourceVersionParam(c echo.Context) (uint64, error) {
	rv := c.QueryParam("resourceVersion")
	if rv == "" {
		return 0, nil
	}
	v, err := strconv.ParseUint(rv, 10, 64)
	if err != nil {
		return 0, echo.NewHTTPError(http.StatusBadRequest, fmt.Sprintf("resourceVersion %q: not a resource version this API gave", rv))
	}
	return v, nil
}

// watchRefused answers a watch the view would not open: 410 Gone with a Kubernetes Status
// for a version too old, which tells the client to list again.
func watchRefused(c echo.Context, err error) error {
	var expired *view.ExpiredError
	if errors.As(err, &expired) {
		st := apierrors.NewResourceExpired(expired.Error()).Status()
		st.TypeMeta = metav1.TypeMeta{APIVersion: "v1", Kind: "Status"}
		return c.JSON(http.StatusGone, st)
	}
	return echo.NewHTTPError(http.StatusServiceUnavailable, "cannot watch: "+err.Error())
}

// kindTypes are the apiVersion and kind of each kind's objects, for its bookmarks.
var kindTypes = map[view.Kind]metav1.TypeMeta{
	view.Pods:         {APIVersion: "v1", Kind: "Pod"},
	view.Deployments:  {APIVersion: "apps/v1", Kind: "Deployment"},
	view.Services:     {APIVersion: "v1", Kind: "Service"},
	view.Ingresses:    {APIVersion: "networking.k8s.io/v1", Kind: "Ingress"},
	view.Nodes:        {APIVersion: "v1", Kind: "Node"},
	view.Claims:       {APIVersion: "v1", Kind: "PersistentVolumeClaim"},
	view.ConfigMaps:   {APIVersion: "v1", Kind: "ConfigMap"},
	view.Secrets:      {APIVersion: "v1", Kind: "Secret"},
	view.DaemonSets:   {APIVersion: "apps/v1", Kind: "DaemonSet"},
	view.Namespaces:   {APIVersion: "v1", Kind: "Namespace"},
	view.StatefulSets: {APIVersion: "apps/v1", Kind: "StatefulSet"},
	view.Jobs:         {APIVersion: "batch/v1", Kind: "Job"},
	view.CronJobs:     {APIVersion: "batch/v1", Kind: "CronJob"},
}

// bookmark is the object of a BOOKMARK at version: an object of kind ("" for a watch of a
// whole answer) with no more than its version, and, after the events a watch starts with,
// Kubernetes' annotation that says so.
func bookmark(kind view.Kind, version uint64, initialEnd bool) []byte {
	type meta struct {
		ResourceVersion string            `json:"resourceVersion"`
		Annotations     map[string]string `json:"annotations,omitempty"`
	}
	o := struct {
		metav1.TypeMeta `json:",inline"`
		Metadata        meta `json:"metadata"`
	}{TypeMeta: kindTypes[kind], Metadata: meta{ResourceVersion: view.FormatVersion(version)}}
	if initialEnd {
		o.Metadata.Annotations = map[string]string{metav1.InitialEventsAnnotationKey: "true"}
	}
	data, err := json.Marshal(o)
	if err != nil {
		panic(fmt.Sprintf("encode a bookmark: %v", err))
	}
	return data
}
