package apiserver

import (
	"encoding/json"
	"fmt"
	"net/http"
	"slices"

	"github.com/labstack/echo/v4"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/equality"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/apimachinery/pkg/util/validation/field"

	"github.com/podman-swarm/podman-swarm/agent/kubeapi"
	"github.com/podman-swarm/podman-swarm/agent/view"
	"github.com/podman-swarm/podman-swarm/api"
	"github.com/podman-swarm/podman-swarm/manifest"
)

// nodesResource is the compatible API's resource of the Nodes.
var nodesResource, _ = kubeapi.Lookup("", "v1", "nodes")

// nodeGroupKind is how Kubernetes names a Node in its errors.
var nodeGroupKind = schema.GroupKind{Kind: "Node"}

// isKubePatch tells a Kubernetes patch (one of kubePatchTypes) from the project's own
// JSON patch of a node.
func isKubePatch(c echo.Context) bool {
	_, err := patchMediaType(c)
	return err == nil
}

// kubePatchNode answers a Kubernetes patch of a Node, as kubectl label, annotate, cordon
// and uncordon send them: the patch applies to the Node as the view shows it, and what it
// changes becomes a change of what users set on the member (see nodeChange).
func (a *Server) kubePatchNode(c echo.Context) error {
	r, name := nodesResource, c.Param("name")
	patchType, err := patchMediaType(c)
	if err != nil {
		return err
	}
	if patchType == applyPatchType {
		return apierrors.NewGenericServerResponse(http.StatusUnsupportedMediaType, "", schema.GroupResource{}, "", fmt.Sprintf(
			"a server-side apply of a Node is not supported: patch it with %s, %s or %s", jsonPatchType, mergePatchType, strategicMergePatch), 0, false)
	}
	dry, err := dryRun(c, "PatchOptions")
	if err != nil {
		return err
	}
	patch, err := readKubeBody(c, maxPatchBytes, patchType)
	if err != nil {
		return err
	}
	o, err := a.viewObject(r, "", name)
	if err != nil {
		return err
	}
	patched, err := applyKubePatch(patchType, o.JSON, patch, func() any { return &corev1.Node{} })
	if err != nil {
		return err
	}
	return a.writeNode(c, o, patched, dry)
}

// kubeUpdateNode answers PUT of a Node (kubectl replace, edit): see writeNode.
func (a *Server) kubeUpdateNode(c echo.Context, r kubeapi.Resource) error {
	name := c.Param("name")
	dry, err := dryRun(c, "UpdateOptions")
	if err != nil {
		return err
	}
	body, err := readKubeBody(c, maxPatchBytes, kubeObjectTypes...)
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
	if err := placeObject(obj, r, "", name); err != nil {
		return err
	}
	o, err := a.viewObject(r, "", name)
	if err != nil {
		return err
	}
	data, err := json.Marshal(obj)
	if err != nil {
		return apierrors.NewInternalError(err)
	}
	return a.writeNode(c, o, data, dry)
}

// writeNode stores what changed from the Node old to changed (its JSON), as the project's
// own PATCH of a node stores it, and answers the Node as it then is. A changed Node must
// keep its name (400), and its resourceVersion, when it has one, must be the current one
// (409).
func (a *Server) writeNode(c echo.Context, old *view.Object, changed []byte, dry bool) error {
	name := c.Param("name")
	var n corev1.Node
	if err := json.Unmarshal(changed, &n); err != nil {
		return apierrors.NewInvalid(nodeGroupKind, name, field.ErrorList{field.Invalid(field.NewPath("patch"), string(changed), err.Error())})
	}
	if n.Name != name {
		return apierrors.NewBadRequest(fmt.Sprintf("the name of the object (%s) does not match the name on the URL (%s)", n.Name, name))
	}
	if n.ResourceVersion != "" && n.ResourceVersion != view.FormatVersion(old.Version) {
		return conflictError(nodesResource, name)
	}
	// The Node as a client read it: its JSON, whose times are to the second.
	var was corev1.Node
	if err := json.Unmarshal(old.JSON, &was); err != nil {
		return apierrors.NewInternalError(fmt.Errorf("decode the node: %w", err))
	}
	patch, err := nodeChange(&was, &n)
	if err != nil {
		return err
	}
	if err := validateNodePatch(patch); err != nil {
		return invalidError(manifest.Errors{{Reason: err.Error()}}, nodesResource, name)
	}
	if dry || nodePatchEmpty(patch) {
		return c.Blob(http.StatusOK, echo.MIMEApplicationJSON, old.JSON)
	}
	if err := a.storeNodePatch(name, patch); err != nil {
		return kubeError(err, nodesResource, name)
	}
	o, err := a.viewObject(nodesResource, "", name)
	if err != nil {
		return err
	}
	return c.Blob(http.StatusOK, echo.MIMEApplicationJSON, o.JSON)
}

// nodeChange is what changed from the Node old (as the view shows it) to n, as a change of
// what users set on a member: its labels, its annotations, and spec.unschedulable (which
// shows as the node.kubernetes.io/unschedulable taint too). The status is the cluster's,
// and ignored as the API server ignores it on the Node itself; a change to anything else
// (other taints, the node's addresses, ...) is a 422, since nothing stores it.
func nodeChange(old, n *corev1.Node) (api.NodePatch, error) {
	var p api.NodePatch
	p.Labels = mapChange(old.Labels, n.Labels)
	p.Annotations = mapChange(old.Annotations, n.Annotations)
	if n.Spec.Unschedulable != old.Spec.Unschedulable {
		u := n.Spec.Unschedulable
		p.Unschedulable = &u
	}
	// All else must stay as it is.
	a, b := old.DeepCopy(), n.DeepCopy()
	for _, x := range []*corev1.Node{a, b} {
		x.Labels, x.Annotations, x.Spec.Unschedulable, x.Status = nil, nil, false, corev1.NodeStatus{}
		x.ResourceVersion, x.ManagedFields, x.TypeMeta = "", nil, old.TypeMeta
		x.Spec.Taints = slices.DeleteFunc(x.Spec.Taints, func(t corev1.Taint) bool { return t.Key == corev1.TaintNodeUnschedulable })
		if len(x.Spec.Taints) == 0 {
			x.Spec.Taints = nil
		}
	}
	if !equality.Semantic.DeepEqual(a, b) {
		return p, apierrors.NewInvalid(nodeGroupKind, n.Name, field.ErrorList{field.Forbidden(field.NewPath("spec"),
			"only metadata.labels, metadata.annotations and spec.unschedulable of a node can change here: the node's agent reports the rest")})
	}
	return p, nil
}

// mapChange is the change from old to n: each key n sets to a new value, and each key it
// drops as nil.
func mapChange(old, n map[string]string) map[string]*string {
	out := map[string]*string{}
	for k, v := range n {
		if ov, ok := old[k]; !ok || ov != v {
			out[k] = &v
		}
	}
	for k := range old {
		if _, ok := n[k]; !ok {
			out[k] = nil
		}
	}
	if len(out) == 0 {
		return nil
	}
	return out
}

// nodePatchEmpty tells a patch that changes nothing.
func nodePatchEmpty(p api.NodePatch) bool {
	return p.Unschedulable == nil && p.Drain == nil && p.DeleteLocalData == nil && len(p.Labels) == 0 && len(p.Annotations) == 0
}
