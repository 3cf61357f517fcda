package apiserver

import (
	"github.com/labstack/echo/v4"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// kubeRoutes adds the Kubernetes-compatible API (see agent/kubeapi): the core group's
// paths under /api/v1, beside the project's own routes there, and the named groups' under
// /apis. Both authenticate every request, as core does.
func (a *Server) kubeRoutes(e *echo.Echo, core *echo.Group) {
	apis := e.Group("/apis", a.tokens.Authenticate)
	a.kubeReadRoutes(e, core, apis)
	a.kubeWriteRoutes(core, apis)
	a.kubeOpenAPIRoutes(e)
	a.kubeStreamRoutes(core)
}

// kubeStatus answers err as the Kubernetes API server does: a metav1.Status, with its code.
func kubeStatus(c echo.Context, err *apierrors.StatusError) error {
	st := err.Status()
	st.TypeMeta = metav1.TypeMeta{APIVersion: "v1", Kind: "Status"}
	return c.JSON(int(st.Code), st)
}
