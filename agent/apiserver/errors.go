package apiserver

import (
	"errors"
	"fmt"
	"net/http"

	"github.com/labstack/echo/v4"

	"github.com/podman-swarm/podman-swarm/api"
	"github.com/podman-swarm/podman-swarm/manifest"
)

// jsonErrorHandler answers every error, including echo's own (404, 405), as JSON.
func jsonErrorHandler(err error, c echo.Context) {
	if c.Response().Committed {
		return
	}
	if isKubeStreamPath(c.Path()) {
		// Kubernetes' paths answer as its API server does, a missing or refused token too.
		_ = kubeStatus(c, streamStatusError(err))
		return
	}
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
