package apiserver

import (
	"errors"
	"fmt"
	"io"
	"net/http"
	"slices"
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
	set, err := manifest.ParseInNamespace(c.QueryParam("namespace"), manifest.Input{Name: name, Data: body})
	if err != nil {
		return err
	}
	prune, err := pruneParams(c)
	if err != nil {
		return err
	}
	// The checks judge the objects as they would be stored: merged with the live ones.
	set, mergeWarnings, err := a.checkApply(set, mergeSet)
	if err != nil {
		return err
	}
	ack, err := request.Ack(c)
	if err != nil {
		return err
	}
	changes, objects, err := a.prepareApply(set)
	if err != nil {
		return err
	}
	if prune != nil {
		pruned, err := a.pruneChanges(set, *prune, time.Now())
		if err != nil {
			return err
		}
		for _, p := range pruned {
			changes = append(changes, p.change)
			objects = append(objects, applied{result: p.result, live: p.live})
		}
	}
	dryRun := c.QueryParam("dryRun") == "true" || c.QueryParam("diff") == "true"
	results := make([]api.Applied, len(objects))
	for i, o := range objects {
		results[i] = o.result
		if c.QueryParam("diff") == "true" {
			results[i].Live, results[i].Merged = o.live, o.merged
		}
	}
	if !dryRun {
		if err := a.writeApply(c, changes, results, ack); err != nil {
			return err
		}
	}
	return c.JSON(http.StatusOK, api.ApplyResult{DryRun: dryRun, Applied: results, Warnings: applyWarnings(set, mergeWarnings)})
}

// storedObject reads the object stored under key; false when there is none.
func (a *Server) storedObject(key string) ([]byte, bool) {
	e, ok := a.node.Get(key)
	if !ok || e.Deleted {
		return nil, false
	}
	return e.Value, true
}

// mergeFunc merges a manifest with the stored objects: mergeSet for an apply, replaceSet
// for a replace.
type mergeFunc func(set *manifest.Set, current func(key string) ([]byte, bool)) (*manifest.Set, []string, error)

// checkApply merges set with the stored objects and runs every check an apply runs on
// the merged objects. It returns them and the merge's warnings.
func (a *Server) checkApply(set *manifest.Set, merge mergeFunc) (*manifest.Set, []string, error) {
	set, mergeWarnings, err := merge(set, a.storedObject)
	if err != nil {
		return nil, nil, err
	}
	if err := quadlet.Check(set, quadlet.Options{}); err != nil {
		return nil, nil, err
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
		return nil, nil, refused
	}
	return set, mergeWarnings, nil
}

// prepareApply is the store changes of a checked set and a result line per object. Every
// object must fit in the store before anything is written, in a dry run too.
func (a *Server) prepareApply(set *manifest.Set) ([]cluster.Change, []applied, error) {
	for _, o := range set.Objects {
		if size := len(encodeObject(o)); size > cluster.MaxValueBytes {
			m := o.Meta()
			return nil, nil, echo.NewHTTPError(http.StatusRequestEntityTooLarge, fmt.Sprintf(
				"%s %s/%s takes %d bytes once stored, more than the %d an object may take; nothing was applied",
				o.Kind, m.Namespace, m.Name, size, cluster.MaxValueBytes))
		}
	}
	keepClaimDeletion(set, a.storedObject)
	keepNamespaceDeletion(set, a.storedObject)
	writes, objects := applyChanges(set, a.storedObject, time.Now(), newUID)
	changes := make([]cluster.Change, len(writes))
	for i, w := range writes {
		changes[i] = cluster.Change{Key: w.key, Value: w.value}
	}
	return changes, objects, nil
}

// applyWarnings are the warnings of an apply of set: the merge's, then those of its claims
// and Ingresses.
func applyWarnings(set *manifest.Set, mergeWarnings []string) []string {
	return slices.Concat(mergeWarnings, claimWarnings(set), ingressClassWarnings(set))
}

// writeApply stores an apply's changes, all objects in one atomic write: stored (or
// pruned) together, or none. Nothing is written when nothing changed.
func (a *Server) writeApply(c echo.Context, changes []cluster.Change, results []api.Applied, ack cluster.Ack) error {
	if len(changes) == 0 {
		return nil
	}
	_, err := a.node.Write(c.Request().Context(), changes, ack)
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
	return nil
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
	if err := a.deleteStored(c, kinds[0], ns, name, ack); err != nil {
		return err
	}
	return c.JSON(http.StatusOK, api.Applied{Kind: kinds[0], Namespace: ns, Name: name, Result: "deleted"})
}

// deleteStored deletes the stored object ns/name of kind (any kind but Namespace, which a
// delete marks Terminating).
func (a *Server) deleteStored(c echo.Context, kind, ns, name string, ack cluster.Ack) error {
	key := objectKeyOf(kind, ns, name)
	change := cluster.Change{Key: key, Delete: true}
	if kind == "PersistentVolumeClaim" {
		// As with Kubernetes' pvc-protection: marked, and deleted by the leader once no
		// pod uses it.
		var err error
		if change, err = a.claimDeletion(key); err != nil {
			return err
		}
	}
	_, err := a.node.Write(c.Request().Context(), []cluster.Change{change}, ack)
	if err != nil && !errors.Is(err, cluster.ErrNotConfirmed) {
		return request.StoreWriteError(err, "nothing was deleted")
	}
	a.log.Info("object deleted", "kind", kind, "object", ns+"/"+name)
	if err != nil {
		return request.StoreWriteError(err, "")
	}
	return nil
}

func kindSuffix(kind string) string {
	if kind == "" {
		return ""
	}
	return " of kind " + kind
}
