package apiserver

import (
	"fmt"
	"io"
	"net/http"
	"strings"

	"github.com/labstack/echo/v4"

	"github.com/podman-swarm/podman-swarm/agent/request"
	"github.com/podman-swarm/podman-swarm/agent/store"
	"github.com/podman-swarm/podman-swarm/api"
	"github.com/podman-swarm/podman-swarm/manifest"
	"github.com/podman-swarm/podman-swarm/quadlet"
)

// manifestTypes are the media types of a manifest body.
var manifestTypes = []string{"application/yaml", "application/x-yaml", "text/yaml", "text/x-yaml", "application/json", "text/plain"}

func (a *Server) applyManifest(c echo.Context) error {
	if err := request.RequireContentType(c, manifestTypes...); err != nil {
		return err
	}
	body, err := io.ReadAll(io.LimitReader(c.Request().Body, manifest.MaxBytes+1))
	if err != nil {
		return echo.NewHTTPError(http.StatusBadRequest, "read the request body: "+err.Error())
	}
	if len(body) > manifest.MaxBytes {
		return echo.NewHTTPError(http.StatusRequestEntityTooLarge,
			fmt.Sprintf("the manifest is larger than %d MiB; nothing was applied", manifest.MaxBytes>>20))
	}
	name := c.QueryParam("filename")
	if name == "" {
		name = "manifest"
	}
	set, err := manifest.Parse(manifest.Input{Name: name, Data: body})
	if err != nil {
		return err
	}
	if err := quadlet.Check(set, quadlet.Options{}); err != nil {
		return err
	}
	changes, results := applyChanges(set, func(key string) ([]byte, bool) {
		e, ok := a.node.Get(key)
		if !ok || e.Deleted {
			return nil, false
		}
		return e.Value, true
	})
	dryRun := c.QueryParam("dryRun") == "true"
	if !dryRun {
		for _, ch := range changes {
			if _, err := a.node.Put(ch.key, ch.value); err != nil {
				return echo.NewHTTPError(http.StatusServiceUnavailable, "store "+ch.key+": "+err.Error())
			}
		}
		for _, r := range results {
			if r.Result != "unchanged" {
				a.log.Info("object "+r.Result, "kind", r.Kind, "object", r.Namespace+"/"+r.Name)
			}
		}
	}
	return c.JSON(http.StatusOK, api.ApplyResult{DryRun: dryRun, Applied: results})
}

func (a *Server) deleteObject(c echo.Context) error {
	ns, name := c.Param("namespace"), c.Param("name")
	kind := c.QueryParam("kind")
	var keys []string
	var kinds []string
	for k, info := range kindsByName {
		if kind != "" && !strings.EqualFold(kind, k) && kind != info.list {
			continue
		}
		key := store.ObjectKey(info.prefix, ns, name)
		if e, ok := a.node.Get(key); ok && !e.Deleted {
			keys = append(keys, key)
			kinds = append(kinds, k)
		}
	}
	switch {
	case len(keys) == 0:
		return echo.NewHTTPError(http.StatusNotFound, fmt.Sprintf("no object named %s/%s%s", ns, name, kindSuffix(kind)))
	case len(keys) > 1:
		return echo.NewHTTPError(http.StatusConflict,
			fmt.Sprintf("%s/%s names several objects (%s): say which with ?kind=", ns, name, strings.Join(kinds, ", ")))
	}
	if _, err := a.node.Delete(keys[0]); err != nil {
		return echo.NewHTTPError(http.StatusServiceUnavailable, "delete "+keys[0]+": "+err.Error())
	}
	a.log.Info("object deleted", "kind", kinds[0], "object", ns+"/"+name)
	return c.JSON(http.StatusOK, api.Applied{Kind: kinds[0], Namespace: ns, Name: name, Result: "deleted"})
}

func kindSuffix(kind string) string {
	if kind == "" {
		return ""
	}
	return " of kind " + kind
}
