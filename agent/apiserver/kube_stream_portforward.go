package apiserver

import (
	"net/http"

	"github.com/labstack/echo/v4"
)

// kubePodPortForward answers port-forward, which is not served on the compatible API yet:
// `swarm port-forward` reaches a pod's port through the project's own route.
func (a *Server) kubePodPortForward(c echo.Context) error {
	return codeStatusError(http.StatusMethodNotAllowed,
		"portforward is not supported on this cluster's Kubernetes API: use swarm port-forward")
}
