package apiserver

import (
	"fmt"
	"io"
	"net/http"

	"github.com/labstack/echo/v4"
	appsv1 "k8s.io/api/apps/v1"
	"k8s.io/apimachinery/pkg/util/strategicpatch"

	"github.com/podman-swarm/podman-swarm/agent/request"
	"github.com/podman-swarm/podman-swarm/manifest"
)

// strategicMergePatch is the media type of Kubernetes' strategic merge patch, the one
// kubectl's set, scale and rollout commands send.
const strategicMergePatch = "application/strategic-merge-patch+json"

// maxPatchBytes bounds a patch's body: it changes one object, which the store bounds too.
const maxPatchBytes = 1 << 20

// patchSchemas are the kinds a patch may change, each with the Go type whose field tags
// tell the strategic merge how to merge its lists (containers by name, and so on).
var patchSchemas = map[string]func() any{
	"Deployment":             func() any { return &appsv1.Deployment{} },
	"DaemonSet":              func() any { return &appsv1.DaemonSet{} },
	manifest.KindStatefulSet: func() any { return &appsv1.StatefulSet{} },
}

// patchObject answers PATCH of one object of kind with a strategic merge patch, as the API
// server does: the patch is merged into the stored object, and the result is checked and
// stored as updateObject does.
func (a *Server) patchObject(kind string) echo.HandlerFunc {
	return func(c echo.Context) error {
		if err := request.RequireContentType(c, strategicMergePatch); err != nil {
			return err
		}
		patch, err := io.ReadAll(io.LimitReader(c.Request().Body, maxPatchBytes+1))
		if err != nil {
			return echo.NewHTTPError(http.StatusBadRequest, "read the request body: "+err.Error())
		}
		if len(patch) > maxPatchBytes {
			return echo.NewHTTPError(http.StatusRequestEntityTooLarge, fmt.Sprintf("the patch is larger than %d bytes", maxPatchBytes))
		}
		res, err := a.updateObject(c, kind, c.Param("namespace"), c.Param("name"), func(stored []byte) ([]byte, error) {
			out, err := strategicpatch.StrategicMergePatch(stored, patch, patchSchemas[kind]())
			if err != nil {
				return nil, echo.NewHTTPError(http.StatusBadRequest, "apply the patch: "+err.Error())
			}
			return out, nil
		})
		if err != nil {
			return err
		}
		return c.JSON(http.StatusOK, res)
	}
}
