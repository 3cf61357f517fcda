package apiserver

import (
	"net/http"
	"runtime"

	"github.com/labstack/echo/v4"

	"github.com/podman-swarm/podman-swarm/api"
)

// Version is the agent's build version, set by the binary that serves the API.
var Version = "dev"

// serverVersion answers GET /version, as the Kubernetes API server does: the build of the
// agent answering, which `swarm version` prints beside its own.
func (a *Server) serverVersion(c echo.Context) error {
	return c.JSON(http.StatusOK, api.ServerVersion{
		GitVersion: Version,
		GoVersion:  runtime.Version(),
		Platform:   runtime.GOOS + "/" + runtime.GOARCH,
		Node:       a.cfg.NodeName,
	})
}
