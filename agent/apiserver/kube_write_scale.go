package apiserver

import (
	"encoding/json"
	"fmt"
	"net/http"

	"github.com/labstack/echo/v4"
	appsv1 "k8s.io/api/apps/v1"
	autoscalingv1 "k8s.io/api/autoscaling/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/apimachinery/pkg/util/validation/field"
	"sigs.k8s.io/yaml"

	"github.com/podman-swarm/podman-swarm/agent/kubeapi"
	"github.com/podman-swarm/podman-swarm/agent/view"
)

// scaleGroupKind is how Kubernetes names a Scale in its errors.
var scaleGroupKind = schema.GroupKind{Group: "autoscaling", Kind: "Scale"}

// viewScale is the Scale of a workload the view shows (see scaleOf).
func viewScale(o *view.Object) (*autoscalingv1.Scale, error) {
	v, err := o.Value()
	if err != nil {
		return nil, apierrors.NewInternalError(err)
	}
	return scaleOf(v)
}

// scaleOf is the autoscaling/v1 Scale of a Deployment or a StatefulSet as the view shows
// it: its replicas wanted and counted, and its selector.
func scaleOf(v view.Value) (*autoscalingv1.Scale, error) {
	var (
		meta     metav1.ObjectMeta
		replicas *int32
		counted  int32
		selector *metav1.LabelSelector
	)
	switch w := v.(type) {
	case *appsv1.Deployment:
		meta, replicas, counted, selector = w.ObjectMeta, w.Spec.Replicas, w.Status.Replicas, w.Spec.Selector
	case *appsv1.StatefulSet:
		meta, replicas, counted, selector = w.ObjectMeta, w.Spec.Replicas, w.Status.Replicas, w.Spec.Selector
	default:
		return nil, apierrors.NewInternalError(fmt.Errorf("%T has no scale", v))
	}
	s := &autoscalingv1.Scale{
		TypeMeta: metav1.TypeMeta{APIVersion: "autoscaling/v1", Kind: "Scale"},
		ObjectMeta: metav1.ObjectMeta{Name: meta.Name, Namespace: meta.Namespace, UID: meta.UID,
			ResourceVersion: meta.ResourceVersion, CreationTimestamp: meta.CreationTimestamp},
		Spec:   autoscalingv1.ScaleSpec{Replicas: 1},
		Status: autoscalingv1.ScaleStatus{Replicas: counted, Selector: metav1.FormatLabelSelector(selector)},
	}
	if replicas != nil {
		s.Spec.Replicas = *replicas
	}
	return s, nil
}

// viewObject is the object ns/name of r as the view shows it: 404 when it shows none.
func (a *Server) viewObject(r kubeapi.Resource, ns, name string) (*view.Object, error) {
	if o, ok := a.view.Get(r.View, viewKey(r, ns, name)); ok {
		return o, nil
	}
	return nil, apierrors.NewNotFound(groupResource(r), name)
}

// kubeGetScale answers GET of the /scale of a Deployment or a StatefulSet.
func (a *Server) kubeGetScale(c echo.Context, r kubeapi.Resource) error {
	o, err := a.viewObject(r, c.Param("namespace"), c.Param("name"))
	if err != nil {
		return err
	}
	s, err := viewScale(o)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, s)
}

// kubeUpdateScale answers PUT of a Scale, as kubectl scale sends it with
// --current-replicas or --resource-version: see writeScale.
func (a *Server) kubeUpdateScale(c echo.Context, r kubeapi.Resource) error {
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
	var s autoscalingv1.Scale
	if err := yaml.UnmarshalStrict(body, &s); err != nil {
		return apierrors.NewBadRequest("the body is not a Scale: " + err.Error())
	}
	if (s.APIVersion != "" && s.APIVersion != "autoscaling/v1") || (s.Kind != "" && s.Kind != "Scale") {
		return apierrors.NewBadRequest(fmt.Sprintf("the body is a %s %s, not an autoscaling/v1 Scale", s.APIVersion, s.Kind))
	}
	return a.writeScale(c, r, &s, dry)
}

// kubePatchScale answers PATCH of a Scale, as kubectl scale sends it (a merge patch of
// spec.replicas): the patch applies to the Scale as GET shows it, then see writeScale.
func (a *Server) kubePatchScale(c echo.Context, r kubeapi.Resource) error {
	ns, name := c.Param("namespace"), c.Param("name")
	patchType, err := patchMediaType(c)
	if err != nil {
		return err
	}
	if patchType == applyPatchType {
		return apierrors.NewGenericServerResponse(http.StatusUnsupportedMediaType, "", schema.GroupResource{}, "", fmt.Sprintf(
			"a server-side apply of a /scale is not supported: apply the %s, or patch its scale with %s, %s or %s",
			r.Kind, jsonPatchType, mergePatchType, strategicMergePatch), 0, false)
	}
	dry, err := dryRun(c, "PatchOptions")
	if err != nil {
		return err
	}
	patch, err := readKubeBody(c, maxPatchBytes, patchType)
	if err != nil {
		return err
	}
	o, err := a.viewObject(r, ns, name)
	if err != nil {
		return err
	}
	current, err := viewScale(o)
	if err != nil {
		return err
	}
	doc, err := json.Marshal(current)
	if err != nil {
		return apierrors.NewInternalError(err)
	}
	patched, err := applyKubePatch(patchType, doc, patch, func() any { return &autoscalingv1.Scale{} })
	if err != nil {
		return err
	}
	var s autoscalingv1.Scale
	if err := json.Unmarshal(patched, &s); err != nil {
		return apierrors.NewInvalid(scaleGroupKind, name, field.ErrorList{field.Invalid(field.NewPath("patch"), string(patched), err.Error())})
	}
	return a.writeScale(c, r, &s, dry)
}

// writeScale sets the replicas of the object of r named in the path to the Scale's, as
// swarm scale does (a patch of spec.replicas: a later apply without replicas keeps them),
// and answers the Scale as it then is. The Scale must name the path's object (400) at its
// current resourceVersion when it gives one (409), with replicas of 0 or more (422).
func (a *Server) writeScale(c echo.Context, r kubeapi.Resource, s *autoscalingv1.Scale, dry bool) error {
	ns, name := c.Param("namespace"), c.Param("name")
	if s.Name != name {
		return apierrors.NewBadRequest(fmt.Sprintf("the name of the object (%s) does not match the name on the URL (%s)", s.Name, name))
	}
	if s.Namespace != "" && s.Namespace != ns {
		return apierrors.NewBadRequest("the namespace of the provided object does not match the namespace sent on the request")
	}
	if s.ResourceVersion != "" && s.ResourceVersion != a.currentVersion(r, ns, name) {
		return conflictError(r, name)
	}
	if s.Spec.Replicas < 0 {
		return apierrors.NewInvalid(scaleGroupKind, name, field.ErrorList{
			field.Invalid(field.NewPath("spec", "replicas"), s.Spec.Replicas, "must be greater than or equal to 0")})
	}
	stored, ok := a.storedObject(objectKeyOf(r.Kind, ns, name))
	if !ok {
		return apierrors.NewNotFound(groupResource(r), name)
	}
	var obj map[string]any
	if err := json.Unmarshal(stored, &obj); err != nil {
		return apierrors.NewInternalError(fmt.Errorf("decode the stored object: %w", err))
	}
	spec, _ := obj["spec"].(map[string]any)
	if spec == nil {
		spec = map[string]any{}
		obj["spec"] = spec
	}
	spec["replicas"] = s.Spec.Replicas
	data, err := json.Marshal(obj)
	if err != nil {
		return apierrors.NewInternalError(err)
	}
	u, err := a.planUpdate(r.Kind, ns, name, func([]byte) ([]byte, error) { return data, nil })
	if err != nil {
		return kubeError(err, r, name)
	}
	if dry {
		current, err := a.viewObject(r, ns, name)
		if err != nil {
			return err
		}
		out, err := viewScale(current)
		if err != nil {
			return err
		}
		out.Spec.Replicas = s.Spec.Replicas
		return c.JSON(http.StatusOK, out)
	}
	if !u.unchanged {
		if err := a.writeUpdate(c, u); err != nil {
			return kubeError(err, r, name)
		}
	}
	return a.kubeGetScale(c, r)
}
