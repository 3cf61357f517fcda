package apiserver

import (
	"strings"

	"github.com/labstack/echo/v4"
)

// kubeRoutes adds the Kubernetes-compatible API (see agent/kubeapi): the core group's
// paths under /api/v1, beside the project's own routes there, and the named groups' under
// /apis. Both authenticate every request, as core does. Every error on their paths is
// answered as a Status by the server's error handler (see errorHandler).
func (a *Server) kubeRoutes(e *echo.Echo, core *echo.Group) {
	apis := e.Group("/apis", a.tokens.Authenticate)
	a.kubeReadRoutes(e, core, apis)
	a.kubeWriteRoutes(core, apis)
	a.kubeOpenAPIRoutes(e)
	a.kubeStreamRoutes(core)
}

// kubeRouted is h behind the check that its route's parameters name one path segment
// each: echo gives a route's last parameter the rest of a longer path that no route takes
// (.../configmaps/x/status, where ConfigMaps have no status), which names nothing here,
// as in Kubernetes.
func kubeRouted(h echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		for _, v := range c.ParamValues() {
			if strings.Contains(v, "/") {
				return errNoSuchPath
			}
		}
		return h(c)
	}
}
