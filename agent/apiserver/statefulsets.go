package apiserver

import (
	"encoding/json"
	"errors"
	"iter"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/labstack/echo/v4"
	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	apiequality "k8s.io/apimachinery/pkg/api/equality"
	"k8s.io/apimachinery/pkg/util/validation/field"

	"github.com/podman-swarm/podman-swarm/agent/kubeapi"
	"github.com/podman-swarm/podman-swarm/agent/request"
	"github.com/podman-swarm/podman-swarm/agent/store"
	"github.com/podman-swarm/podman-swarm/agent/view"
	"github.com/podman-swarm/podman-swarm/api"
	"github.com/podman-swarm/podman-swarm/cluster"
	"github.com/podman-swarm/podman-swarm/manifest"
)

// statefulSetToStore is a StatefulSet as stored: apiVersion and kind set, no status (the
// API counts it from the pods).
func statefulSetToStore(s *appsv1.StatefulSet) *appsv1.StatefulSet {
	out := s.DeepCopy()
	out.APIVersion, out.Kind = "apps/v1", manifest.KindStatefulSet
	out.Status = appsv1.StatefulSetStatus{}
	return out
}

// statefulSetForbidden is Kubernetes' message for a change of a StatefulSet's spec
// outside the fields that may change.
const statefulSetForbidden = "updates to statefulset spec for fields other than 'replicas', 'ordinals', 'template', 'updateStrategy', 'persistentVolumeClaimRetentionPolicy' and 'minReadySeconds' are forbidden"

// checkStatefulSets refuses, as Kubernetes does, a StatefulSet applied again with a
// change of its spec beyond replicas, ordinals, template, updateStrategy,
// persistentVolumeClaimRetentionPolicy and minReadySeconds (its selector, serviceName,
// podManagementPolicy and volumeClaimTemplates are fixed once made); and a pod template
// that names a claim, other than those of its volumeClaimTemplates, that is neither stored
// nor in the same manifest.
func checkStatefulSets(st *store.State, set *manifest.Set) manifest.Errors {
	inSet := map[string]bool{}
	for _, o := range set.Objects {
		if o.Claim != nil {
			inSet[o.Claim.Namespace+"/"+o.Claim.Name] = true
		}
	}
	var errs manifest.Errors
	for _, o := range set.Objects {
		s := o.StatefulSet
		if s == nil {
			continue
		}
		if old, ok := st.StatefulSets[s.Namespace+"/"+s.Name]; ok && !sameFixedSpec(old, s) {
			errs = append(errs, manifest.FieldErrors(o.Source, field.ErrorList{field.Forbidden(field.NewPath("spec"), statefulSetForbidden)})...)
		}
		fromTemplates := map[string]bool{}
		for _, t := range s.Spec.VolumeClaimTemplates {
			fromTemplates[t.Name] = true
		}
		vols := field.NewPath("spec", "template", "spec", "volumes")
		for i, v := range s.Spec.Template.Spec.Volumes {
			if v.PersistentVolumeClaim == nil || fromTemplates[v.Name] {
				continue
			}
			name := v.PersistentVolumeClaim.ClaimName
			if _, stored := st.Claims[s.Namespace+"/"+name]; stored || inSet[s.Namespace+"/"+name] {
				continue
			}
			errs = append(errs, &manifest.Error{Source: o.Source,
				Field:  vols.Index(i).Child("persistentVolumeClaim", "claimName").String(),
				Reason: manifest.ClaimNotFound(name)})
		}
	}
	return errs
}

// sameFixedSpec reports whether two versions of a StatefulSet agree on every field of
// their spec that may not change.
func sameFixedSpec(old, cur *appsv1.StatefulSet) bool {
	// Compared with the defaults the API shows, as Kubernetes compares them: a StatefulSet
	// read back with them (kubectl get -o yaml | kubectl replace) changes nothing fixed.
	a, b := kubeapi.StatefulSet(old).Spec.DeepCopy(), kubeapi.StatefulSet(cur).Spec.DeepCopy()
	for _, s := range []*appsv1.StatefulSetSpec{a, b} {
		s.Replicas, s.Ordinals, s.MinReadySeconds = nil, nil, 0
		s.Template = corev1.PodTemplateSpec{}
		s.UpdateStrategy = appsv1.StatefulSetUpdateStrategy{}
		s.PersistentVolumeClaimRetentionPolicy = nil
	}
	return apiequality.Semantic.DeepEqual(a, b)
}

// statefulSetView is the StatefulSet of key with the status `kubectl get sts` reads,
// counted from its pods, whose keys pods yields (every pod the store assigns it): replicas
// (pods placed), ready (reporting ready from their node), current and updated (of the
// current template: its revision is <name>-<hash>), and available (ready: minReadySeconds
// is not measured).
func statefulSetView(st *store.State, key string, pods iter.Seq[string]) *appsv1.StatefulSet {
	s := statefulSetToStore(st.StatefulSets[key])
	hash := manifest.StatefulSetHash(s, manifest.ConfigObjects{ConfigMaps: st.ConfigMaps, Secrets: st.Secrets})
	status := appsv1.StatefulSetStatus{UpdateRevision: s.Name + "-" + hash, CurrentRevision: s.Name + "-" + hash}
	oldest := "" // the template of the lowest-ordinal pod not updated yet, the revision pods are at
	lowest := -1
	for pk := range pods {
		a, ok := st.Assignments[pk]
		if !ok || a.Pod.OwnerKind != manifest.KindStatefulSet || a.Pod.Namespace != s.Namespace || a.Pod.Owner != s.Name {
			continue
		}
		status.Replicas++
		if a.Pod.TemplateHash == hash {
			status.UpdatedReplicas++
		} else if i := ordinalOf(s.Name, a.Pod.Name); lowest < 0 || i < lowest {
			lowest, oldest = i, a.Pod.TemplateHash
		}
		ps, ok := st.Status[pk]
		if !ok || !ps.Describes(a) || !ps.Ready {
			continue
		}
		status.ReadyReplicas++
		status.AvailableReplicas++
	}
	status.CurrentReplicas = status.UpdatedReplicas
	if oldest != "" {
		status.CurrentRevision = s.Name + "-" + oldest
		status.CurrentReplicas = 0
		for pk := range pods {
			if a, ok := st.Assignments[pk]; ok && a.Pod.OwnerKind == manifest.KindStatefulSet && a.Pod.Owner == s.Name && a.Pod.TemplateHash == oldest {
				status.CurrentReplicas++
			}
		}
	}
	s.Status = status
	return s
}

// ordinalOf is the ordinal in the name of a StatefulSet's pod; -1 when the name has none.
func ordinalOf(set, pod string) int {
	rest, ok := strings.CutPrefix(pod, set+"-")
	if !ok {
		return -1
	}
	n, err := strconv.Atoi(rest)
	if err != nil {
		return -1
	}
	return n
}

func (a *Server) listStatefulSets(c echo.Context) error { return a.serveList(c, view.StatefulSets) }

func (a *Server) getStatefulSet(c echo.Context) error {
	return a.serveObject(c, view.StatefulSets, "statefulset")
}

// statefulPod is the node of the pod ns/name when the store assigns it as a pod of a
// StatefulSet, and kind (a delete's ?kind=, "" for any) allows a pod.
func (a *Server) statefulPod(ns, name, kind string) (string, bool) {
	if kind != "" && !strings.EqualFold(kind, "Pod") && kind != "pods" {
		return "", false
	}
	e, ok := a.node.Get(store.AssignmentKey(ns + "/" + name))
	if !ok || e.Deleted {
		return "", false
	}
	var as store.Assignment
	if json.Unmarshal(e.Value, &as) != nil || as.Pod.OwnerKind != manifest.KindStatefulSet {
		return "", false
	}
	return as.Node, true
}

// deleteStatefulPod asks the leader to delete a pod of a StatefulSet, which the set then
// makes again under the same name, as `kubectl delete pod` does: the request is the
// API's record, the pod's assignment stays the leader's to remove.
func (a *Server) deleteStatefulPod(c echo.Context, ns, name, node string) error {
	ack, err := request.Ack(c)
	if err != nil {
		return err
	}
	if err := a.requestPodDeletion(c, ns, name, node, ack); err != nil {
		return err
	}
	return c.JSON(http.StatusOK, api.Applied{Kind: "Pod", Namespace: ns, Name: name, Result: "deleted"})
}

// requestPodDeletion writes the request that the leader delete the pod ns/name of a
// StatefulSet, which runs on node.
func (a *Server) requestPodDeletion(c echo.Context, ns, name, node string, ack cluster.Ack) error {
	req := store.PodDeletion{Node: node, Requested: time.Now().UTC()}
	change := cluster.Change{Key: store.PodDeletionKey(ns + "/" + name), Value: store.MustJSON(req)}
	_, err := a.node.Write(c.Request().Context(), []cluster.Change{change}, ack)
	if err != nil && !errors.Is(err, cluster.ErrNotConfirmed) {
		return request.StoreWriteError(err, "nothing was deleted")
	}
	a.log.Info("pod of a statefulset deleted: it is made again", "pod", ns+"/"+name, "node", node)
	if err != nil {
		return request.StoreWriteError(err, "")
	}
	return nil
}
