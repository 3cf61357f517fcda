package apiserver

import (
	"bytes"
	"errors"
	"fmt"
	"net/http"

	"github.com/labstack/echo/v4"

	"github.com/podman-swarm/podman-swarm/agent/request"
	"github.com/podman-swarm/podman-swarm/agent/store"
	"github.com/podman-swarm/podman-swarm/api"
	"github.com/podman-swarm/podman-swarm/cluster"
	"github.com/podman-swarm/podman-swarm/manifest"
	"github.com/podman-swarm/podman-swarm/quadlet"
)

// The results of an update, in kubectl's words: "deployment.apps/web patched", or
// "patched (no change)" when the object was already so.
const (
	resultPatched   = "patched"
	resultUnchanged = "unchanged"
)

// updateObject changes one stored object of kind with change, which is given the stored
// JSON (without its resourceVersion) and returns the whole object it should become. The
// result goes through the checks of an apply, keeps the object's creationTimestamp and
// the rest of its metadata (the last-applied configuration among it), and is written
// alone. It is how the commands that change one field (scale, set image, rollout
// pause/resume/restart/undo) write: unlike an apply, they do not touch the configuration
// the next apply merges against, so that apply keeps what they changed, as kubectl's
// patches do.
func (a *Server) updateObject(c echo.Context, kind, ns, name string, change func(stored []byte) ([]byte, error)) (api.Applied, error) {
	res := api.Applied{Kind: kind, Namespace: ns, Name: name}
	key := objectKeyOf(kind, ns, name)
	e, ok := a.node.Get(key)
	if !ok || e.Deleted {
		return res, echo.NewHTTPError(http.StatusNotFound, fmt.Sprintf("%s %q not found in namespace %s", apiResource(kind), name, ns))
	}
	changed, err := change(e.Value)
	if err != nil {
		return res, err
	}
	set, err := manifest.Parse(manifest.Input{Name: apiResource(kind) + "/" + name, Data: changed})
	if err != nil {
		return res, err
	}
	if len(set.Objects) != 1 {
		return res, echo.NewHTTPError(http.StatusUnprocessableEntity, "the change must leave exactly one object")
	}
	o := set.Objects[0]
	m := o.Meta()
	if o.Kind != kind || m.Namespace != ns || m.Name != name {
		return res, echo.NewHTTPError(http.StatusUnprocessableEntity, fmt.Sprintf(
			"the change turns %s %s/%s into %s %s/%s: kind, namespace and name cannot change", kind, ns, name, o.Kind, m.Namespace, m.Name))
	}
	if err := quadlet.Check(set, quadlet.Options{}); err != nil {
		return res, err
	}
	var refused manifest.Errors
	a.view.Read(func(st *store.State, _ uint64) {
		refused = append(checkAllocations(st, a.network, set), checkClaims(st, set)...)
		refused = append(refused, checkImmutable(st, set)...)
		refused = append(refused, checkStatefulSets(st, set)...)
	})
	if len(refused) > 0 {
		return res, refused
	}
	m.CreationTimestamp, m.UID = createdAt(e.Value)
	value := encodeObject(o)
	if len(value) > cluster.MaxValueBytes {
		return res, echo.NewHTTPError(http.StatusRequestEntityTooLarge, fmt.Sprintf(
			"%s %s/%s would take %d bytes once stored, more than the %d an object may take; nothing was changed",
			kind, ns, name, len(value), cluster.MaxValueBytes))
	}
	if bytes.Equal(value, e.Value) {
		res.Result = resultUnchanged
		return res, nil
	}
	ack, err := request.Ack(c)
	if err != nil {
		return res, err
	}
	_, err = a.node.Write(c.Request().Context(), []cluster.Change{{Key: key, Value: value}}, ack)
	if err != nil && !errors.Is(err, cluster.ErrNotConfirmed) {
		return res, request.StoreWriteError(err, "nothing was changed")
	}
	a.log.Info("object patched", "kind", kind, "object", ns+"/"+name)
	if err != nil {
		return res, request.StoreWriteError(err, "")
	}
	res.Result = resultPatched
	return res, nil
}

// apiResource is the API's name of a kind's objects, as Kubernetes' messages name them.
func apiResource(kind string) string {
	list := kindsByName[kind].list
	switch kind {
	case "Deployment", "DaemonSet", manifest.KindStatefulSet:
		return list + ".apps"
	}
	return list
}
