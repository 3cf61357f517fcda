package apiserver

import (
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/podman-swarm/podman-swarm/agent/request"
	"github.com/podman-swarm/podman-swarm/agent/store"
	"github.com/podman-swarm/podman-swarm/api"
	"github.com/podman-swarm/podman-swarm/cluster"
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
	var refused manifest.Errors
	a.view.Read(func(st *store.State, _ uint64) {
		refused = append(checkAllocations(st, a.network, set), checkClaims(st, set)...)
		refused = append(refused, checkImmutable(st, set)...)
		refused = append(refused, checkNamespaces(st, set, func(key string) bool {
			e, ok := a.node.Get(key)
			return ok && !e.Deleted
		})...)
		refused = append(refused, checkStatefulSets(st, set)...)
	})
	if len(refused) > 0 {
		return refused
	}
	ack, err := request.Ack(c)
	if err != nil {
		return err
	}
	// Every object must fit in the store before anything is written, in a dry run too.
	for _, o := range set.Objects {
		if size := len(encodeObject(o)); size > cluster.MaxValueBytes {
			m := o.Meta()
			return echo.NewHTTPError(http.StatusRequestEntityTooLarge, fmt.Sprintf(
				"%s %s/%s takes %d bytes once stored, more than the %d an object may take; nothing was applied",
				o.Kind, m.Namespace, m.Name, size, cluster.MaxValueBytes))
		}
	}
	current := func(key string) ([]byte, bool) {
		e, ok := a.node.Get(key)
		if !ok || e.Deleted {
			return nil, false
		}
		return e.Value, true
	}
	keepClaimDeletion(set, current)
	keepNamespaceDeletion(set, current)
	changes, results := applyChanges(set, current, time.Now())
	dryRun := c.QueryParam("dryRun") == "true"
	if !dryRun && len(changes) > 0 {
		writes := make([]cluster.Change, len(changes))
		for i, ch := range changes {
			writes[i] = cluster.Change{Key: ch.key, Value: ch.value}
		}
		// All objects in one atomic write: stored together, or none.
		_, err := a.node.Write(c.Request().Context(), writes, ack)
		if err != nil && !errors.Is(err, cluster.ErrNotConfirmed) {
			return request.StoreWriteError(err, "nothing was applied")
		}
		for _, r := range results {
			if r.Result != "unchanged" {
				a.log.Info("object "+r.Result, "kind", r.Kind, "object", r.Namespace+"/"+r.Name)
			}
		}
		if err != nil {
			return request.StoreWriteError(err, "")
		}
	}
	return c.JSON(http.StatusOK, api.ApplyResult{DryRun: dryRun, Applied: results, Warnings: claimWarnings(set)})
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
		if k == "Namespace" {
			continue // deleted through /namespaces: marked, then emptied by the leader
		}
		key := store.ObjectKey(info.prefix, ns, name)
		if e, ok := a.node.Get(key); ok && !e.Deleted {
			keys = append(keys, key)
			kinds = append(kinds, k)
		}
	}
	switch {
	case len(keys) == 0:
		if node, ok := a.statefulPod(ns, name, kind); ok {
			return a.deleteStatefulPod(c, ns, name, node)
		}
		return echo.NewHTTPError(http.StatusNotFound, fmt.Sprintf("no object named %s/%s%s", ns, name, kindSuffix(kind)))
	case len(keys) > 1:
		return echo.NewHTTPError(http.StatusConflict,
			fmt.Sprintf("%s/%s names several objects (%s): say which with ?kind=", ns, name, strings.Join(kinds, ", ")))
	}
	ack, err := request.Ack(c)
	if err != nil {
		return err
	}
	change := cluster.Change{Key: keys[0], Delete: true}
	if kinds[0] == "PersistentVolumeClaim" {
		// As with Kubernetes' pvc-protection: marked, and deleted by the leader once no
		// pod uses it.
		if change, err = a.claimDeletion(keys[0]); err != nil {
			return err
		}
	}
	_, err = a.node.Write(c.Request().Context(), []cluster.Change{change}, ack)
	if err != nil && !errors.Is(err, cluster.ErrNotConfirmed) {
		return request.StoreWriteError(err, "nothing was deleted")
	}
	a.log.Info("object deleted", "kind", kinds[0], "object", ns+"/"+name)
	if err != nil {
		return request.StoreWriteError(err, "")
	}
	return c.JSON(http.StatusOK, api.Applied{Kind: kinds[0], Namespace: ns, Name: name, Result: "deleted"})
}

func kindSuffix(kind string) string {
	if kind == "" {
		return ""
	}
	return " of kind " + kind
}
