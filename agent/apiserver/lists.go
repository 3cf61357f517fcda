package apiserver

import (
	"fmt"
	"net/http"

	"github.com/labstack/echo/v4"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/podman-swarm/podman-swarm/agent/store"
	"github.com/podman-swarm/podman-swarm/api"
)

func (a *Server) listPods(c echo.Context) error {
	return c.JSON(http.StatusOK, api.NewList(a.podViews(store.Read(a.node, a.log), c.QueryParam("namespace"))))
}

// podViews are the pods of the store, with those not recorded yet shown as the leader's
// health explains them.
func (a *Server) podViews(st *store.State, namespace string) []any {
	return podViews(st, namespace, unplaced(a.leaderStoreFailure()))
}

// deploymentViews are the Deployments of the store, with the leader's store failure as
// the reason of those it holds back.
func (a *Server) deploymentViews(st *store.State, namespace string) []any {
	return deploymentViews(st, namespace, a.leaderStoreFailure())
}

func (a *Server) leaderStoreFailure() string {
	return leaderStoreFailure(a.node.Members(), a.node.Leader())
}

func (a *Server) listDeployments(c echo.Context) error {
	return c.JSON(http.StatusOK, api.NewList(a.deploymentViews(store.Read(a.node, a.log), c.QueryParam("namespace"))))
}

func (a *Server) listServices(c echo.Context) error {
	return c.JSON(http.StatusOK, api.NewList(objectViews(store.Read(a.node, a.log).Services, c.QueryParam("namespace"))))
}

func (a *Server) listIngresses(c echo.Context) error {
	return c.JSON(http.StatusOK, api.NewList(objectViews(store.Read(a.node, a.log).Ingresses, c.QueryParam("namespace"))))
}

func (a *Server) listNodes(c echo.Context) error {
	return c.JSON(http.StatusOK, api.NewList(nodeViews(a.node.Members(), a.node.Leader())))
}

func (a *Server) getDeployment(c echo.Context) error {
	return oneOf(c, "deployment", a.deploymentViews(store.Read(a.node, a.log), c.Param("namespace")))
}

func (a *Server) getService(c echo.Context) error {
	return oneOf(c, "service", objectViews(store.Read(a.node, a.log).Services, c.Param("namespace")))
}

func (a *Server) getIngress(c echo.Context) error {
	return oneOf(c, "ingress", objectViews(store.Read(a.node, a.log).Ingresses, c.Param("namespace")))
}

func (a *Server) getNode(c echo.Context) error {
	return oneOf(c, "node", nodeViews(a.node.Members(), a.node.Leader()))
}

// oneOf answers the item named by the :name parameter, or 404.
func oneOf(c echo.Context, kind string, items []any) error {
	name := c.Param("name")
	for _, it := range items {
		if o, ok := it.(metav1.Object); ok && o.GetName() == name {
			return c.JSON(http.StatusOK, it)
		}
	}
	where := ""
	if ns := c.Param("namespace"); ns != "" {
		where = " in namespace " + ns
	}
	return echo.NewHTTPError(http.StatusNotFound, fmt.Sprintf("%s %q not found%s", kind, name, where))
}
