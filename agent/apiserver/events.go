package apiserver

import (
	"net/http"

	"github.com/labstack/echo/v4"

	"github.com/podman-swarm/podman-swarm/agent/events"
	"github.com/podman-swarm/podman-swarm/api"
)

// listEvents answers the events of the cluster, the one seen last at the end: all, or those
// of a namespace (?namespace=) and of an object (?object=NAME or KIND/NAME), and those the
// selectors match (?labelSelector=, ?fieldSelector=).
func (a *Server) listEvents(c echo.Context) error {
	f := events.Filter{Namespace: c.QueryParam("namespace"), Object: c.QueryParam("object")}
	watch, err := watchParam(c)
	if err != nil {
		return err
	}
	if watch {
		return a.watchEvents(c, f)
	}
	evs, err := selectEvents(c, events.Read(a.node, f, a.log))
	if err != nil {
		return err
	}
	items := make([]any, len(evs))
	for i, ev := range evs {
		items[i] = ev
	}
	return c.JSON(http.StatusOK, api.NewList(items))
}
