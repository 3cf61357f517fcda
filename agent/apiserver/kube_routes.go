package apiserver

import (
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
