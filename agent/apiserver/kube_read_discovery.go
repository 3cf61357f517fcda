package apiserver

import (
	"net/http"

	"github.com/labstack/echo/v4"

	"github.com/podman-swarm/podman-swarm/agent/kubeapi"
)

// Discovery answers the legacy documents only, as plain application/json: kubectl asks for
// the aggregated form first (application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList)
// and takes these when the answer is not in that form, as from an API server without it.

// served is what the server's routes serve of the compatible API, read once from them all
// (the reads', the writes' and the streams'), at the first discovery request: routes are
// all registered by then. A route that only refuses (see kubeRefusals) serves nothing.
func (k *kubeReader) served() kubeapi.Served {
	k.servedOnce.Do(func() {
		refused := kubeRefusals()
		var routes []kubeapi.Route
		for _, r := range k.e.Routes() {
			if !refused[r.Method+" "+r.Path] {
				routes = append(routes, kubeapi.Route{Method: r.Method, Path: r.Path})
			}
		}
		k.servedVerbs = kubeapi.ServedBy(routes)
	})
	return k.servedVerbs
}

// kubeRefusals are the routes of the compatible API, as "METHOD PATH", that answer every
// request with a refusal that says why (a status written, a container attached to): they
// are there for their words, and discovery does not offer their verbs.
func kubeRefusals() map[string]bool {
	out := map[string]bool{}
	for _, rt := range kubeWriteTable() {
		if rt.op == opWriteStatus {
			out[rt.method+" "+rt.prefix+rt.path] = true
		}
	}
	for _, rt := range kubeStreamRouteTable() {
		if rt.refused {
			out[rt.method+" "+kubeStreamPrefix+rt.path] = true
		}
	}
	return out
}

// apiVersions answers GET /api.
func (k *kubeReader) apiVersions(c echo.Context) error {
	return c.JSON(http.StatusOK, kubeapi.APIVersions(c.Request().Host))
}

// groupList answers GET /apis.
func (k *kubeReader) groupList(c echo.Context) error {
	return c.JSON(http.StatusOK, kubeapi.GroupList(k.served()))
}

// group answers GET /apis/GROUP.
func (k *kubeReader) group(name string) echo.HandlerFunc {
	return func(c echo.Context) error {
		g, ok := kubeapi.Group(k.served(), name)
		if !ok {
			return errNoSuchPath
		}
		return c.JSON(http.StatusOK, g)
	}
}

// resourceList answers GET /api/v1 and /apis/GROUP/VERSION.
func (k *kubeReader) resourceList(group, version string) echo.HandlerFunc {
	return func(c echo.Context) error {
		l, ok := kubeapi.ResourceList(k.served(), group, version)
		if !ok {
			return errNoSuchPath
		}
		return c.JSON(http.StatusOK, l)
	}
}
