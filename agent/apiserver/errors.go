package apiserver

import (
	"errors"
	"fmt"
	"net/http"

	"github.com/labstack/echo/v4"

	"github.com/podman-swarm/podman-swarm/agent/kubeapi"
	"github.com/podman-swarm/podman-swarm/api"
	"github.com/podman-swarm/podman-swarm/manifest"
)

// errorHandler answers every error, echo's own (404, 405) and the checks of tokens and
// rights included: on a path of the compatible API (kubeapi.IsPath) as a metav1.Status
// (see kubeRequestError), on the project's own paths as JSON (see jsonError). An answer
// that broke off once it began can only end: a compatible API's error is logged then.
func (a *Server) errorHandler(err error, c echo.Context) {
	kube := kubeapi.IsPath(c.Request().URL.Path)
	switch {
	case c.Response().Committed:
		if kube {
			a.log.Warn("an answer of the compatible API ended with an error", "path", c.Request().URL.Path, "err", err)
		}
	case kube:
		_ = kubeStatus(c, kubeRequestError(err, c.Request()))
	default:
		jsonError(err, c)
	}
}

// jsonError answers err as the project's own paths do: an api.APIError with its code.
func jsonError(err error, c echo.Context) {
	code, body := http.StatusInternalServerError, api.APIError{Message: err.Error()}
	var he *echo.HTTPError
	var me manifest.Errors
	switch {
	case errors.As(err, &me):
		code = http.StatusUnprocessableEntity
		if me.Malformed() {
			code = http.StatusBadRequest
		}
		body = api.APIError{Message: fmt.Sprintf("the manifest was refused: %d problem(s); nothing was applied", len(me))}
		for _, e := range me {
			body.Details = append(body.Details, e.Error())
		}
	case errors.As(err, &he):
		code = he.Code
		body.Message = fmt.Sprint(he.Message)
	}
	_ = c.JSON(code, body)
}
