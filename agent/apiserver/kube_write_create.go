package apiserver

import (
	"net/http"

	"github.com/labstack/echo/v4"
	apierrors "k8s.io/apimachinery/pkg/api/errors"

	"github.com/podman-swarm/podman-swarm/agent/kubeapi"
	"github.com/podman-swarm/podman-swarm/agent/request"
	"github.com/podman-swarm/podman-swarm/api"
	"github.com/podman-swarm/podman-swarm/manifest"
)

// kubeCreate answers POST of an object to r's collection, as the API server creates one:
// 409 AlreadyExists for a name in use, else the object is stored exactly as `swarm apply`
// of it would store a new one (the same checks, defaults, warnings and write), and
// answered 201 as the view then shows it. A generateName without a name makes one. The
// last-applied configuration an apply keeps is the one the request carries when it has one
// (kubectl apply sends its own, which it compares with at its next apply), else the one
// `swarm apply` records.
func (a *Server) kubeCreate(c echo.Context, r kubeapi.Resource) error {
	ns := c.Param("namespace")
	dry, err := dryRun(c, "CreateOptions")
	if err != nil {
		return err
	}
	body, err := readKubeBody(c, manifest.MaxBytes, kubeObjectTypes...)
	if err != nil {
		return err
	}
	if body, err = bodyAsJSON(c, body); err != nil {
		return err
	}
	obj, err := decodeKubeObject(body, r)
	if err != nil {
		return err
	}
	if err := placeObject(obj, r, ns, ""); err != nil {
		return err
	}
	m := metadata(obj)
	name := metaString(obj, "name")
	if prefix := metaString(obj, "generateName"); name == "" && prefix != "" {
		name = generatedName(prefix)
		m["name"] = name
	}
	dropServerFields(obj)
	if a.kubeObjectExists(r, ns, name) {
		return apierrors.NewAlreadyExists(groupResource(r), name)
	}
	set, err := parseKubeObject(obj, r, name)
	if err != nil {
		return err
	}
	clientApplied, carried := set.Objects[0].Meta().Annotations[LastAppliedAnnotation]
	set, mergeWarnings, err := a.checkApply(set, mergeSet)
	if err != nil {
		return kubeError(err, r, name)
	}
	if carried {
		set.Objects[0].Meta().Annotations[LastAppliedAnnotation] = clientApplied
	}
	return a.storeKubeApply(c, r, ns, name, set, mergeWarnings, dry, http.StatusCreated)
}

// kubeObjectExists tells whether an object of r is stored under ns/name, or shown by the
// view (a namespace that holds objects exists without a record).
func (a *Server) kubeObjectExists(r kubeapi.Resource, ns, name string) bool {
	if _, ok := a.storedObject(objectKeyOf(r.Kind, ns, name)); ok {
		return true
	}
	return r.Kind == "Namespace" && a.currentVersion(r, ns, name) != ""
}

// kubeUpdate answers PUT of a whole object, as kubectl replace sends it: the object
// replaces the stored one, as an object read from the API and applied back does (see
// replaceSet: it keeps the stored last-applied configuration unless it carries one), with
// the checks of an apply. A resourceVersion that is not the object's current one is a 409
// Conflict; an object that does not exist, 404.
func (a *Server) kubeUpdate(c echo.Context, r kubeapi.Resource) error {
	ns, name := c.Param("namespace"), c.Param("name")
	dry, err := dryRun(c, "UpdateOptions")
	if err != nil {
		return err
	}
	body, err := readKubeBody(c, manifest.MaxBytes, kubeObjectTypes...)
	if err != nil {
		return err
	}
	if body, err = bodyAsJSON(c, body); err != nil {
		return err
	}
	obj, err := decodeKubeObject(body, r)
	if err != nil {
		return err
	}
	if err := placeObject(obj, r, ns, name); err != nil {
		return err
	}
	if !a.kubeObjectExists(r, ns, name) {
		return a.notStored(r, ns, name, "replaced")
	}
	if rv := metaString(obj, "resourceVersion"); rv != "" && rv != a.currentVersion(r, ns, name) {
		return conflictError(r, name)
	}
	dropServerFields(obj)
	set, err := parseKubeObject(obj, r, name)
	if err != nil {
		return err
	}
	set, _, err = a.checkApply(set, replaceSet)
	if err != nil {
		return kubeError(err, r, name)
	}
	return a.storeKubeApply(c, r, ns, name, set, nil, dry, http.StatusOK)
}

// storeKubeApply stores set, one checked object of r (ns/name), as `swarm apply` stores it
// (nothing with dry), sends its warnings, and answers the object as stored with code.
func (a *Server) storeKubeApply(c echo.Context, r kubeapi.Resource, ns, name string, set *manifest.Set, mergeWarnings []string, dry bool, code int) error {
	ack, err := request.Ack(c)
	if err != nil {
		return err
	}
	changes, objects, err := a.prepareApply(set)
	if err != nil {
		return kubeError(err, r, name)
	}
	addWarnings(c, objectWarnings(set, applyWarnings(set, mergeWarnings)))
	if dry {
		return answerStored(c, code, objects[0].merged, "")
	}
	if err := a.writeApply(c, changes, []api.Applied{objects[0].result}, ack); err != nil {
		return kubeError(err, r, name)
	}
	return a.answerObject(c, code, r, ns, name, objects[0].merged)
}
