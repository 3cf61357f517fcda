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
	u, err := a.planUpdate(kind, ns, name, change)
	if err != nil {
		return res, err
	}
	if u.unchanged {
		res.Result = resultUnchanged
		return res, nil
	}
	if err := a.writeUpdate(c, u); err != nil {
		return res, err
	}
	res.Result = resultPatched
	return res, nil
}

// update is one object's change, checked and ready to store.
type update struct {
	kind, ns, name string
	key            string
	// set holds the changed object, as parsed and checked.
	set   *manifest.Set
	value []byte
	// unchanged is set when value is what is stored already: nothing is to be written.
	unchanged bool
}

// planUpdate makes and checks the change of updateObject without writing it.
func (a *Server) planUpdate(kind, ns, name string, change func(stored []byte) ([]byte, error)) (update, error) {
	u := update{kind: kind, ns: ns, name: name, key: objectKeyOf(kind, ns, name)}
	e, ok := a.node.Get(u.key)
	if !ok || e.Deleted {
		return u, echo.NewHTTPError(http.StatusNotFound, fmt.Sprintf("%s %q not found in namespace %s", apiResource(kind), name, ns))
	}
	changed, err := change(e.Value)
	if err != nil {
		return u, err
	}
	set, err := manifest.Parse(manifest.Input{Name: apiResource(kind) + "/" + name, Data: changed})
	if err != nil {
		return u, err
	}
	if len(set.Objects) != 1 {
		return u, echo.NewHTTPError(http.StatusUnprocessableEntity, "the change must leave exactly one object")
	}
	o := set.Objects[0]
	m := o.Meta()
	if o.Kind != kind || m.Namespace != ns || m.Name != name {
		return u, echo.NewHTTPError(http.StatusUnprocessableEntity, fmt.Sprintf(
			"the change turns %s %s/%s into %s %s/%s: kind, namespace and name cannot change", kind, ns, name, o.Kind, m.Namespace, m.Name))
	}
	if err := quadlet.Check(set, quadlet.Options{}); err != nil {
		return u, err
	}
	var refused manifest.Errors
	a.view.Read(func(st *store.State, _ uint64) {
		refused = append(checkAllocations(st, a.network, set), checkClaims(st, set)...)
		refused = append(refused, checkImmutable(st, set)...)
		refused = append(refused, checkStatefulSets(st, set)...)
	})
	if len(refused) > 0 {
		return u, refused
	}
	m.CreationTimestamp, m.UID = createdAt(e.Value)
	u.set, u.value = set, encodeObject(o)
	if len(u.value) > cluster.MaxValueBytes {
		return u, echo.NewHTTPError(http.StatusRequestEntityTooLarge, fmt.Sprintf(
			"%s %s/%s would take %d bytes once stored, more than the %d an object may take; nothing was changed",
			kind, ns, name, len(u.value), cluster.MaxValueBytes))
	}
	u.unchanged = bytes.Equal(u.value, e.Value)
	return u, nil
}

// writeUpdate stores a planned change, alone.
func (a *Server) writeUpdate(c echo.Context, u update) error {
	ack, err := request.Ack(c)
	if err != nil {
		return err
	}
	_, err = a.node.Write(c.Request().Context(), []cluster.Change{{Key: u.key, Value: u.value}}, ack)
	if err != nil && !errors.Is(err, cluster.ErrNotConfirmed) {
		return request.StoreWriteError(err, "nothing was changed")
	}
	a.log.Info("object patched", "kind", u.kind, "object", u.ns+"/"+u.name)
	if err != nil {
		return request.StoreWriteError(err, "")
	}
	return nil
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
