package apiserver

import (
	"fmt"
	"net/http"
	"slices"

	"github.com/labstack/echo/v4"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/labels"

	"github.com/podman-swarm/podman-swarm/agent/kubeapi"
	"github.com/podman-swarm/podman-swarm/agent/store"
	"github.com/podman-swarm/podman-swarm/agent/view"
	"github.com/podman-swarm/podman-swarm/api"
)

// The lists and objects are answered from the view (see viewlists.go); each list is
// watched with ?watch=true (see watch.go). While the leader cannot write its store, pods
// and Deployments are read from the whole store instead, so that the pods it holds back
// are listed with the reason (unplaced.go): the view builds each pod from its own records
// and knows of no pod that has none.

// holdsBack tells whether to answer a list (no watch, no field selector: a node lists its
// own pods by field from the view) from the whole store: while the leader says it cannot
// write its store.
func (a *Server) holdsBack(c echo.Context) bool {
	return c.QueryParam("watch") == "" && c.QueryParam("fieldSelector") == "" && a.leaderStoreFailure() != ""
}

// heldBackList answers items, read from the whole store, as a list, with those its
// ?labelSelector= matches.
func heldBackList(c echo.Context, items []any) error {
	sel, err := labelSelector(c.QueryParam("labelSelector"))
	if err != nil {
		return err
	}
	if sel != nil {
		items = slices.DeleteFunc(items, func(it any) bool {
			o, ok := it.(metav1.Object)
			return !ok || !sel.Matches(labels.Set(o.GetLabels()))
		})
	}
	return c.JSON(http.StatusOK, api.NewList(items))
}

// podViews are the pods of the store, with those not recorded yet shown as the leader's
// health explains them.
func (a *Server) podViews(st *store.State, namespace string) []any {
	return defaulted(podViews(st, namespace, unplaced(a.leaderStoreFailure())))
}

// deploymentViews are the Deployments of the store, with the leader's store failure as
// the reason of those it holds back.
func (a *Server) deploymentViews(st *store.State, namespace string) []any {
	return defaulted(deploymentViews(st, namespace, a.leaderStoreFailure()))
}

// defaulted is items with Kubernetes' defaults, as the view shows its objects (Shapes).
func defaulted(items []any) []any {
	out := make([]any, len(items))
	for i, it := range items {
		out[i] = kubeapi.Defaulted(it.(view.Value))
	}
	return out
}

func (a *Server) leaderStoreFailure() string {
	return leaderStoreFailure(a.node.Members(), a.node.Leader())
}

func (a *Server) listDeployments(c echo.Context) error {
	if a.holdsBack(c) {
		return heldBackList(c, a.deploymentViews(store.Read(a.node, a.log), c.QueryParam("namespace")))
	}
	return a.serveList(c, view.Deployments)
}

func (a *Server) listIngresses(c echo.Context) error { return a.serveList(c, view.Ingresses) }

func (a *Server) getDeployment(c echo.Context) error {
	if a.holdsBack(c) {
		return oneOf(c, "deployment", a.deploymentViews(store.Read(a.node, a.log), c.Param("namespace")))
	}
	return a.serveObject(c, view.Deployments, "deployment")
}

func (a *Server) getService(c echo.Context) error { return a.serveObject(c, view.Services, "service") }

func (a *Server) getIngress(c echo.Context) error { return a.serveObject(c, view.Ingresses, "ingress") }

func (a *Server) getClaim(c echo.Context) error {
	return a.serveObject(c, view.Claims, "persistentvolumeclaim")
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
