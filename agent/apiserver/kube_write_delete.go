package apiserver

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net/http"
	"strconv"

	"github.com/labstack/echo/v4"
	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/apimachinery/pkg/util/validation/field"

	"github.com/podman-swarm/podman-swarm/agent/kubeapi"
	"github.com/podman-swarm/podman-swarm/agent/request"
	"github.com/podman-swarm/podman-swarm/agent/view"
)

// maxDeleteOptionsBytes bounds a delete's body, which holds its options only.
const maxDeleteOptionsBytes = 64 << 10

// deleteOptions reads a delete's options as the API server does: from the body (kubectl
// sends a DeleteOptions) and from the query, which wins; 400 for a body that is not one,
// 422 for options that break DeleteOptions' rules.
func deleteOptions(c echo.Context) (metav1.DeleteOptions, error) {
	var opts metav1.DeleteOptions
	body, err := readKubeBody(c, maxDeleteOptionsBytes, kubeObjectTypes...)
	if err != nil {
		return opts, err
	}
	if body, err = bodyAsJSON(c, body); err != nil {
		return opts, err
	}
	if len(bytes.TrimSpace(body)) > 0 {
		if err := json.Unmarshal(body, &opts); err != nil {
			return opts, apierrors.NewBadRequest("the body is not a DeleteOptions: " + err.Error())
		}
	}
	q := c.QueryParams()
	if v := q.Get("gracePeriodSeconds"); v != "" {
		n, err := strconv.ParseInt(v, 10, 64)
		if err != nil {
			return opts, apierrors.NewBadRequest(fmt.Sprintf("gracePeriodSeconds=%q: want a number of seconds", v))
		}
		opts.GracePeriodSeconds = &n
	}
	if v := q.Get("propagationPolicy"); v != "" {
		p := metav1.DeletionPropagation(v)
		opts.PropagationPolicy = &p
	}
	if v := q.Get("orphanDependents"); v != "" {
		b, err := strconv.ParseBool(v)
		if err != nil {
			return opts, apierrors.NewBadRequest(fmt.Sprintf("orphanDependents=%q: want true or false", v))
		}
		opts.OrphanDependents = &b
	}
	if vs, ok := q["dryRun"]; ok {
		opts.DryRun = vs
	}
	return opts, validateDeleteOptions(opts)
}

// validateDeleteOptions applies DeleteOptions' rules: a known propagation policy, not
// given with the older orphanDependents, and dryRun All or nothing.
func validateDeleteOptions(opts metav1.DeleteOptions) error {
	var errs field.ErrorList
	policies := []string{string(metav1.DeletePropagationForeground), string(metav1.DeletePropagationBackground), string(metav1.DeletePropagationOrphan)}
	if p := opts.PropagationPolicy; p != nil {
		switch *p {
		case metav1.DeletePropagationForeground, metav1.DeletePropagationBackground, metav1.DeletePropagationOrphan:
		default:
			errs = append(errs, field.NotSupported(field.NewPath("propagationPolicy"), string(*p), policies))
		}
		if opts.OrphanDependents != nil {
			errs = append(errs, field.Invalid(field.NewPath("propagationPolicy"), string(*p), "orphanDependents and deletionPropagation cannot be both set"))
		}
	}
	for i, v := range opts.DryRun {
		if v != metav1.DryRunAll {
			errs = append(errs, field.NotSupported(field.NewPath("dryRun").Index(i), v, []string{metav1.DryRunAll}))
		}
	}
	if len(errs) > 0 {
		return apierrors.NewInvalid(schema.GroupKind{Group: metav1.GroupName, Kind: "DeleteOptions"}, "", errs)
	}
	return nil
}

// propagation is the policy a delete asks for: its propagationPolicy, else Orphan when it
// sets the older orphanDependents, else Background, kubectl's default.
func propagation(opts metav1.DeleteOptions) metav1.DeletionPropagation {
	switch {
	case opts.PropagationPolicy != nil:
		return *opts.PropagationPolicy
	case opts.OrphanDependents != nil && *opts.OrphanDependents:
		return metav1.DeletePropagationOrphan
	}
	return metav1.DeletePropagationBackground
}

// ownsPods are the kinds whose objects own pods (a CronJob through its Jobs): the leader
// removes the pods once their owner is gone.
var ownsPods = map[string]bool{"Deployment": true, "StatefulSet": true, "DaemonSet": true, "Job": true, "CronJob": true}

// honourPropagation says how a delete of an object of r with policy can be honoured: the
// cluster deletes an object first and its pods after it, as Background does. Foreground
// is taken the same way, with a warning; Orphan is refused for a kind that owns pods,
// which cannot outlive it. A kind that owns nothing is deleted alike whatever the policy.
func honourPropagation(r kubeapi.Resource, name string, policy metav1.DeletionPropagation) ([]string, error) {
	if !ownsPods[r.Kind] {
		return nil, nil
	}
	switch policy {
	case metav1.DeletePropagationOrphan:
		return nil, apierrors.NewInvalid(schema.GroupKind{Group: metav1.GroupName, Kind: "DeleteOptions"}, "", field.ErrorList{
			field.NotSupported(field.NewPath("propagationPolicy"), string(policy), []string{
				string(metav1.DeletePropagationBackground), string(metav1.DeletePropagationForeground)}),
		})
	case metav1.DeletePropagationForeground:
		return []string{fmt.Sprintf("propagationPolicy Foreground is taken as Background: %s %q is deleted now, and its pods after it",
			groupResource(r), name)}, nil
	}
	return nil, nil
}

// kubeDelete answers DELETE of an object of r, as the project's own delete deletes it (a
// claim is marked, and deleted by the leader once no pod uses it; a StatefulSet's pod is
// deleted by the leader, and made again), with the DeleteOptions the project can honour:
// the propagation policy as honourPropagation says, the preconditions (uid,
// resourceVersion: 409 Conflict when they do not hold), dryRun. A pod's gracePeriodSeconds
// is not honoured: it stops with its spec's terminationGracePeriodSeconds, and a warning
// says so. The answer is a Status of success, as for an object deleted at once; a claim,
// which stays until the leader deletes it, is answered as it then is.
func (a *Server) kubeDelete(c echo.Context, r kubeapi.Resource) error {
	ns, name := c.Param("namespace"), c.Param("name")
	opts, err := deleteOptions(c)
	if err != nil {
		return err
	}
	stored, ok := a.storedObject(objectKeyOf(r.Kind, ns, name))
	statefulNode := ""
	if !ok && r.Kind == "Pod" {
		statefulNode, ok = a.statefulPod(ns, name, "Pod")
	}
	if !ok {
		return a.notStored(r, ns, name, "deleted")
	}
	var uid types.UID
	if stored != nil {
		_, uid = createdAt(stored)
	}
	if err := a.checkPreconditions(opts.Preconditions, r, ns, name, uid); err != nil {
		return err
	}
	warnings, err := honourPropagation(r, name, propagation(opts))
	if err != nil {
		return err
	}
	if r.Kind == "Pod" && opts.GracePeriodSeconds != nil {
		warnings = append(warnings, fmt.Sprintf("gracePeriodSeconds %d is not honoured: pod %q stops with its terminationGracePeriodSeconds (%d s)",
			*opts.GracePeriodSeconds, name, a.podGrace(ns, name, stored)))
	}
	addWarnings(c, warnings)
	if len(opts.DryRun) == 0 {
		ack, err := request.Ack(c)
		if err != nil {
			return err
		}
		if statefulNode != "" {
			err = a.requestPodDeletion(c, ns, name, statefulNode, ack)
		} else {
			err = a.deleteStored(c, r.Kind, ns, name, ack)
		}
		if err != nil {
			return kubeError(err, r, name)
		}
	}
	if r.Kind == "PersistentVolumeClaim" && len(opts.DryRun) == 0 {
		if after, ok := a.storedObject(objectKeyOf(r.Kind, ns, name)); ok {
			return a.answerObject(c, http.StatusOK, r, ns, name, after)
		}
	}
	return c.JSON(http.StatusOK, deletedStatus(r, name, uid))
}

// checkPreconditions checks a delete's preconditions against the object of r: its uid
// and its current resourceVersion, as the API server checks them (409 Conflict).
func (a *Server) checkPreconditions(p *metav1.Preconditions, r kubeapi.Resource, ns, name string, uid types.UID) error {
	if p == nil {
		return nil
	}
	if p.UID != nil && *p.UID != uid {
		return apierrors.NewConflict(groupResource(r), name, fmt.Errorf(
			"Precondition failed: UID in precondition: %v, UID in object meta: %v", *p.UID, uid))
	}
	if p.ResourceVersion != nil {
		if current := a.currentVersion(r, ns, name); *p.ResourceVersion != current {
			return apierrors.NewConflict(groupResource(r), name, fmt.Errorf(
				"Precondition failed: ResourceVersion in precondition: %v, ResourceVersion in object meta: %v", *p.ResourceVersion, current))
		}
	}
	return nil
}

// deletedStatus is the API server's answer to a delete done at once: success, with the
// object's name, group, resource (in the field named kind) and uid.
func deletedStatus(r kubeapi.Resource, name string, uid types.UID) metav1.Status {
	return metav1.Status{
		TypeMeta: metav1.TypeMeta{APIVersion: "v1", Kind: "Status"},
		Status:   metav1.StatusSuccess,
		Details:  &metav1.StatusDetails{Name: name, Group: r.Group, Kind: r.Name, UID: uid},
	}
}

// podGrace is the terminationGracePeriodSeconds of the pod ns/name, as the view shows it
// or else as stored (a bare pod the leader has not placed yet), Kubernetes' 30 when it
// sets none.
func (a *Server) podGrace(ns, name string, stored []byte) int64 {
	var spec corev1.PodSpec
	if o, ok := a.view.Get(view.Pods, ns+"/"+name); ok {
		if p, err := podOf(o); err == nil {
			spec = p.Spec
		} else {
			a.log.Error("read the grace period of a pod; it takes Kubernetes' default", "pod", o.Key, "err", err)
		}
	} else {
		var p corev1.Pod
		if json.Unmarshal(stored, &p) == nil {
			spec = p.Spec
		}
	}
	if spec.TerminationGracePeriodSeconds != nil {
		return *spec.TerminationGracePeriodSeconds
	}
	return corev1.DefaultTerminationGracePeriodSeconds
}
