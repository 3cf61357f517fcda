package apiserver

import (
	"encoding/json"
	"fmt"
	"net/http"
	"strings"

	"github.com/labstack/echo/v4"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/apimachinery/pkg/util/validation/field"

	"github.com/podman-swarm/podman-swarm/agent/kubeapi"
	"github.com/podman-swarm/podman-swarm/agent/view"
	"github.com/podman-swarm/podman-swarm/manifest"
)

// patchMediaType is the media type of a PATCH's body, without its parameters: 415 for one
// Kubernetes does not patch with, or none.
func patchMediaType(c echo.Context) (string, error) {
	ct := c.Request().Header.Get("Content-Type")
	media, _, _ := strings.Cut(ct, ";")
	media = strings.ToLower(strings.TrimSpace(media))
	for _, t := range kubePatchTypes {
		if media == t {
			return media, nil
		}
	}
	return "", apierrors.NewGenericServerResponse(http.StatusUnsupportedMediaType, "", schema.GroupResource{}, "", fmt.Sprintf(
		"the body of the request was in an unknown format - accepted media types include: %s", strings.Join(kubePatchTypes, ", ")), 0, false)
}

// kubePatch answers PATCH of an object of r. A server-side apply is an apply (see
// kubeServerSideApply); the other three patch the stored object with its current
// resourceVersion, as the API server patches the object it holds, and the result is
// written as the project's own PATCH writes (updateObject): checked as an apply, its
// metadata otherwise kept, the last-applied configuration too unless the patch changes it
// (kubectl apply's patch does). A patch that sets a resourceVersion other than the
// object's current one is a 409 Conflict; one that changes the object's name, namespace,
// kind or apiVersion a 400.
func (a *Server) kubePatch(c echo.Context, r kubeapi.Resource) error {
	ns, name := c.Param("namespace"), c.Param("name")
	patchType, err := patchMediaType(c)
	if err != nil {
		return err
	}
	if patchType == applyPatchType {
		return a.kubeServerSideApply(c, r)
	}
	dry, err := dryRun(c, "PatchOptions")
	if err != nil {
		return err
	}
	patch, err := readKubeBody(c, maxPatchBytes, patchType)
	if err != nil {
		return err
	}
	stored, ok := a.storedObject(objectKeyOf(r.Kind, ns, name))
	if !ok {
		return a.notStored(r, ns, name, "patched")
	}
	current := a.currentVersion(r, ns, name)
	base, err := withResourceVersion(stored, current)
	if err != nil {
		return err
	}
	patched, err := applyKubePatch(patchType, base, patch, mergeStructs[r.Kind])
	if err != nil {
		return err
	}
	obj, err := patchedObject(patched, r, ns, name, current)
	if err != nil {
		return err
	}
	if err := keepServerFields(obj, stored); err != nil {
		return err
	}
	return a.writeKubeUpdate(c, r, ns, name, obj, dry)
}

// withResourceVersion is the stored object doc with the resourceVersion version, as a
// client that read it sees it.
func withResourceVersion(doc []byte, version string) ([]byte, error) {
	var obj map[string]any
	if err := json.Unmarshal(doc, &obj); err != nil {
		return nil, apierrors.NewInternalError(fmt.Errorf("decode the stored object: %w", err))
	}
	if version != "" {
		metadata(obj)["resourceVersion"] = version
	}
	return json.Marshal(obj)
}

// patchedObject reads a patch's result: an object of r still named ns/name (400 if not),
// whose resourceVersion, when the patch left one, is current (409 if not).
func patchedObject(patched []byte, r kubeapi.Resource, ns, name, current string) (map[string]any, error) {
	var obj map[string]any
	if err := json.Unmarshal(patched, &obj); err != nil || obj == nil {
		return nil, apierrors.NewInvalid(schema.GroupKind{Group: r.Group, Kind: r.Kind}, name, field.ErrorList{
			field.Invalid(field.NewPath("patch"), string(patched), "the patched document is not an object")})
	}
	if rv := metaString(obj, "resourceVersion"); rv != "" && rv != current {
		return nil, conflictError(r, name)
	}
	if err := checkObjectType(obj, r); err != nil {
		return nil, err
	}
	if err := placeObject(obj, r, ns, name); err != nil {
		return nil, err
	}
	return obj, nil
}

// keepServerFields gives obj, a changed object, what the API server keeps of the stored
// one whatever a client sends: the metadata the server sets (see serverSetMeta) and the
// status, which the cluster makes.
func keepServerFields(obj map[string]any, stored []byte) error {
	var old map[string]any
	if err := json.Unmarshal(stored, &old); err != nil {
		return apierrors.NewInternalError(fmt.Errorf("decode the stored object: %w", err))
	}
	m, oldMeta := metadata(obj), metadata(old)
	for _, f := range serverSetMeta {
		if v, ok := oldMeta[f]; ok {
			m[f] = v
		} else {
			delete(m, f)
		}
	}
	if st, ok := old["status"]; ok {
		obj["status"] = st
	} else {
		delete(obj, "status")
	}
	return nil
}

// writeKubeUpdate writes obj, the whole new form of the stored object ns/name of r, as
// the project's PATCH writes (see updateObject), and answers it.
func (a *Server) writeKubeUpdate(c echo.Context, r kubeapi.Resource, ns, name string, obj map[string]any, dry bool) error {
	data, err := json.Marshal(obj)
	if err != nil {
		return apierrors.NewInternalError(fmt.Errorf("encode the object: %w", err))
	}
	// A patch may carry back defaults the API showed (rollout undo puts back a ReplicaSet's
	// template as shown): they are not taken for changes, as in an apply.
	u, err := a.planUpdate(r.Kind, ns, name, func(old []byte) ([]byte, error) { return withoutShownDefaults(r.Kind, data, old), nil })
	if err != nil {
		return kubeError(err, r, name)
	}
	addWarnings(c, objectWarnings(u.set, applyWarnings(u.set, nil)))
	if dry {
		return answerStored(c, http.StatusOK, u.value, "")
	}
	if !u.unchanged {
		if err := a.writeUpdate(c, u); err != nil {
			return kubeError(err, r, name)
		}
	}
	return a.answerObject(c, http.StatusOK, r, ns, name, u.value)
}

// kubeServerSideApply answers a server-side apply (PATCH with an apply configuration, as
// `kubectl apply --server-side` sends it): an apply of the configuration, exactly as
// `swarm apply` of it, which creates the object when there is none (201). Field managers
// are simplified to one: the object's last-applied configuration records what the last
// apply set, whoever sent it, and the next apply's three-way merge deletes what that one
// set and this one does not; no managedFields are kept, and no apply is refused for a
// field another manager set (as if every apply were forced). The configuration is a whole
// object, checked as a manifest's is, unless it sets metadata alone (see applyMetadata).
func (a *Server) kubeServerSideApply(c echo.Context, r kubeapi.Resource) error {
	ns, name := c.Param("namespace"), c.Param("name")
	dry, err := dryRun(c, "PatchOptions")
	if err != nil {
		return err
	}
	if c.QueryParam("fieldManager") == "" {
		return apierrors.NewInvalid(schema.GroupKind{Group: metav1.GroupName, Kind: "PatchOptions"}, "", field.ErrorList{
			field.Required(field.NewPath("fieldManager"), "is required for apply patch")})
	}
	body, err := readKubeBody(c, manifest.MaxBytes, applyPatchType)
	if err != nil {
		return err
	}
	obj, err := decodeKubeObject(body, r)
	if err != nil {
		return err
	}
	if err := placeObject(obj, r, ns, name); err != nil {
		return err
	}
	existed := a.kubeObjectExists(r, ns, name)
	if rv := metaString(obj, "resourceVersion"); rv != "" && rv != a.currentVersion(r, ns, name) {
		return conflictError(r, name)
	}
	dropServerFields(obj)
	if stored, ok := a.storedObject(objectKeyOf(r.Kind, ns, name)); ok && metadataOnly(obj) {
		return a.applyMetadata(c, r, ns, name, obj, stored, dry)
	}
	set, err := parseKubeObject(obj, r, name)
	if err != nil {
		return err
	}
	set, mergeWarnings, err := a.checkApply(set, mergeSet)
	if err != nil {
		return kubeError(err, r, name)
	}
	code := http.StatusOK
	if !existed {
		code = http.StatusCreated
	}
	return a.storeKubeApply(c, r, ns, name, set, mergeWarnings, dry, code)
}

// metadataOnly tells an apply configuration that sets nothing but metadata (labels,
// annotations): kubectl sends one after a server-side apply, with the last-applied
// annotation alone, under a field manager of its own.
func metadataOnly(obj map[string]any) bool {
	for k := range obj {
		if k != "apiVersion" && k != "kind" && k != "metadata" {
			return false
		}
	}
	return true
}

// applyMetadata applies a configuration of metadata alone (see metadataOnly) to the stored
// object: merged into it as a strategic merge patch, so that what it sets takes its value
// and nothing is deleted, as with a field manager that set nothing else. It is written
// as a patch is.
func (a *Server) applyMetadata(c echo.Context, r kubeapi.Resource, ns, name string, config map[string]any, stored []byte, dry bool) error {
	patch, err := json.Marshal(map[string]any{"metadata": config["metadata"]})
	if err != nil {
		return apierrors.NewInternalError(err)
	}
	patched, err := applyKubePatch(strategicMergePatch, stored, patch, mergeStructs[r.Kind])
	if err != nil {
		return err
	}
	obj, err := patchedObject(patched, r, ns, name, "")
	if err != nil {
		return err
	}
	if err := keepServerFields(obj, stored); err != nil {
		return err
	}
	return a.writeKubeUpdate(c, r, ns, name, obj, dry)
}

// notStored is the answer to a change of an object of r that is not stored: 404, or, for
// a pod the cluster made from a workload's template (in the view, but not stored as a
// bare pod is), 405 saying what to change instead. done says what the change does to the
// object: "patched", "replaced", "deleted".
func (a *Server) notStored(r kubeapi.Resource, ns, name, done string) error {
	if r.Kind == "Pod" {
		if kind, owner := a.podOwner(ns, name); owner != "" {
			return &apierrors.StatusError{ErrStatus: metav1.Status{
				Status: metav1.StatusFailure, Code: http.StatusMethodNotAllowed, Reason: metav1.StatusReasonMethodNotAllowed,
				Details: &metav1.StatusDetails{Name: name, Kind: r.Name},
				Message: fmt.Sprintf("pod %q cannot be %s: %s %s makes its pods from its template, and owns them; change the %s instead",
					name, done, kind, owner, kind),
			}}
		}
	}
	return apierrors.NewNotFound(groupResource(r), name)
}

// podOwner is the kind and name of the workload that made the pod ns/name; "" for a pod
// the view does not show, or that none made.
func (a *Server) podOwner(ns, name string) (kind, owner string) {
	o, ok := a.view.Get(view.Pods, ns+"/"+name)
	if !ok {
		return "", ""
	}
	p, err := podOf(o)
	if err != nil {
		a.log.Error("read the owner of a pod", "pod", o.Key, "err", err)
		return "", ""
	}
	for _, ref := range p.OwnerReferences {
		return ref.Kind, ref.Name
	}
	return "", ""
}
