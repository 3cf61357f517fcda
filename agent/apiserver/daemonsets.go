package apiserver

import (
	"github.com/labstack/echo/v4"

	"github.com/podman-swarm/podman-swarm/agent/view"
)

func (a *Server) listDaemonSets(c echo.Context) error { return a.serveList(c, view.DaemonSets) }

func (a *Server) getDaemonSet(c echo.Context) error {
	return a.serveObject(c, view.DaemonSets, "daemonset")
}
