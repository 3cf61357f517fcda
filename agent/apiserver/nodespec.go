package apiserver

import (
	"encoding/json"
	"fmt"
	"maps"
	"net/http"
	"slices"
	"strings"

	"github.com/labstack/echo/v4"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/util/validation"

	"github.com/podman-swarm/podman-swarm/agent/request"
	"github.com/podman-swarm/podman-swarm/agent/store"
	"github.com/podman-swarm/podman-swarm/agent/view"
	"github.com/podman-swarm/podman-swarm/api"
)

// swarmAnnotations is the prefix of the annotations the agent itself sets on a node (its
// addresses, state, leadership): users may not set or remove them.
const swarmAnnotations = "swarm.podman.io/"

// applyNodeSpec shows on n what users set on it: its labels changed, their annotations
// (beside the agent's own), and spec.unschedulable with the taint Kubernetes puts with it.
func applyNodeSpec(n *corev1.Node, s store.NodeSpec) {
	n.Labels = s.EffectiveLabels(n.Labels)
	for k, v := range s.Annotations {
		if !strings.HasPrefix(k, swarmAnnotations) {
			n.Annotations[k] = v
		}
	}
	if s.Drain {
		n.Annotations[swarmAnnotations+"drain"] = "true"
	}
	if s.Cordoned() {
		n.Spec.Unschedulable = true
		n.Spec.Taints = append(n.Spec.Taints, corev1.Taint{Key: corev1.TaintNodeUnschedulable, Effect: corev1.TaintEffectNoSchedule})
	}
}

// patchNode changes what users set on a member: cordon, drain, labels, annotations. It is
// a read-modify-write of the member's one record, as the whitelist is: two changes of the
// same node at the same moment on two nodes keep the later one. A Kubernetes patch of
// the Node (kubectl label, annotate, cordon), which has a patch's media type rather than
// JSON, is the compatible API's (see kubePatchNode).
func (a *Server) patchNode(c echo.Context) error {
	if isKubePatch(c) {
		return a.kubePatchNode(c)
	}
	name := c.Param("name")
	var patch api.NodePatch
	if err := request.BindJSON(c, &patch); err != nil {
		return err
	}
	if !a.isMember(name) {
		return echo.NewHTTPError(http.StatusNotFound, fmt.Sprintf("node %q not found", name))
	}
	if err := validateNodePatch(patch); err != nil {
		return echo.NewHTTPError(http.StatusUnprocessableEntity, fmt.Sprintf("Node %q is invalid: %v", name, err))
	}
	if err := a.storeNodePatch(name, patch); err != nil {
		return err
	}
	return a.serveObject(c, view.Nodes, "node")
}

// storeNodePatch applies a checked patch to the spec of the member name, and stores it.
func (a *Server) storeNodePatch(name string, patch api.NodePatch) error {
	spec, err := a.nodeSpec(name)
	if err != nil {
		return err
	}
	spec = patchedSpec(spec, patch)
	key := store.NodeSpecKey(name)
	if spec.Empty() {
		_, err = a.node.Delete(key)
	} else {
		_, err = a.node.Put(key, store.MustJSON(spec))
	}
	if err != nil {
		return echo.NewHTTPError(http.StatusServiceUnavailable, "store the node's spec: "+err.Error())
	}
	a.log.Info("node spec changed", "member", name, "unschedulable", spec.Unschedulable, "drain", spec.Drain,
		"drain_local_data", spec.DrainLocalData,
		"labels", spec.Labels, "removed_labels", spec.RemovedLabels)
	return nil
}

// isMember tells whether the membership knows name, in whatever state.
func (a *Server) isMember(name string) bool {
	for _, m := range a.node.Members() {
		if m.Name == name {
			return true
		}
	}
	return false
}

// nodeSpec reads a member's spec; a member without one has the zero spec.
func (a *Server) nodeSpec(name string) (store.NodeSpec, error) {
	var spec store.NodeSpec
	e, ok := a.node.Get(store.NodeSpecKey(name))
	if !ok || e.Deleted {
		return spec, nil
	}
	if err := json.Unmarshal(e.Value, &spec); err != nil {
		return spec, echo.NewHTTPError(http.StatusInternalServerError, "the stored spec of node "+name+" does not decode: "+err.Error())
	}
	return spec, nil
}

// patchedSpec is s with patch applied. Uncordoning ends a drain: the node takes pods
// again.
func patchedSpec(s store.NodeSpec, patch api.NodePatch) store.NodeSpec {
	s.Labels = maps.Clone(s.Labels)
	s.RemovedLabels = slices.Clone(s.RemovedLabels)
	s.Annotations = maps.Clone(s.Annotations)
	if patch.Unschedulable != nil {
		s.Unschedulable = *patch.Unschedulable
		if !s.Unschedulable {
			s.Drain, s.DrainLocalData = false, false
		}
	}
	if patch.Drain != nil {
		s.Drain = *patch.Drain
		if s.Drain {
			s.Unschedulable = true
		} else {
			s.DrainLocalData = false
		}
	}
	if patch.DeleteLocalData != nil {
		s.DrainLocalData = *patch.DeleteLocalData && s.Drain
	}
	for _, k := range slices.Sorted(maps.Keys(patch.Labels)) {
		v := patch.Labels[k]
		if v == nil {
			s.SetLabel(k, "", true)
		} else {
			s.SetLabel(k, *v, false)
		}
	}
	for k, v := range patch.Annotations {
		switch {
		case v != nil && s.Annotations == nil:
			s.Annotations = map[string]string{k: *v}
		case v != nil:
			s.Annotations[k] = *v
		default:
			delete(s.Annotations, k)
		}
	}
	return s
}

// validateNodePatch checks the keys and values as Kubernetes checks a Node's labels and
// annotations.
func validateNodePatch(patch api.NodePatch) error {
	for _, k := range slices.Sorted(maps.Keys(patch.Labels)) {
		if errs := validation.IsQualifiedName(k); len(errs) > 0 {
			return fmt.Errorf("metadata.labels: Invalid value: %q: %s", k, strings.Join(errs, "; "))
		}
		if v := patch.Labels[k]; v != nil {
			if errs := validation.IsValidLabelValue(*v); len(errs) > 0 {
				return fmt.Errorf("metadata.labels: Invalid value: %q: %s", *v, strings.Join(errs, "; "))
			}
		}
	}
	for _, k := range slices.Sorted(maps.Keys(patch.Annotations)) {
		if errs := validation.IsQualifiedName(k); len(errs) > 0 {
			return fmt.Errorf("metadata.annotations: Invalid value: %q: %s", k, strings.Join(errs, "; "))
		}
		if strings.HasPrefix(k, swarmAnnotations) {
			return fmt.Errorf("metadata.annotations: Forbidden: %q: the agent sets the annotations under %s", k, swarmAnnotations)
		}
	}
	return nil
}
