package apiserver

import (
	"github.com/labstack/echo/v4"

	"github.com/podman-swarm/podman-swarm/agent/view"
)

// The lists and objects are answered from the view (see viewlists.go); each list is
// watched with ?watch=true (see watch.go).

func (a *Server) listPods(c echo.Context) error { return a.serveList(c, view.Pods) }

func (a *Server) listDeployments(c echo.Context) error { return a.serveList(c, view.Deployments) }

func (a *Server) listServices(c echo.Context) error { return a.serveList(c, view.Services) }

func (a *Server) listIngresses(c echo.Context) error { return a.serveList(c, view.Ingresses) }

func (a *Server) listNodes(c echo.Context) error { return a.serveList(c, view.Nodes) }

func (a *Server) getDeployment(c echo.Context) error {
	return a.serveObject(c, view.Deployments, "deployment")
}

func (a *Server) getService(c echo.Context) error { return a.serveObject(c, view.Services, "service") }

func (a *Server) getIngress(c echo.Context) error { return a.serveObject(c, view.Ingresses, "ingress") }

func (a *Server) getNode(c echo.Context) error { return a.serveObject(c, view.Nodes, "node") }
