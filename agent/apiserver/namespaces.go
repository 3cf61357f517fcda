package apiserver

import (
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"slices"
	"strings"
	"time"

	"github.com/labstack/echo/v4"
	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime/schema"

	"github.com/podman-swarm/podman-swarm/agent/request"
	"github.com/podman-swarm/podman-swarm/agent/store"
	"github.com/podman-swarm/podman-swarm/cluster"
	"github.com/podman-swarm/podman-swarm/manifest"
)

// namespacesResource is how Kubernetes names Namespaces in its errors.
var namespacesResource = schema.GroupResource{Resource: "namespaces"}

// objectKeyOf is the store key of an object of kind: a Namespace by its name alone, any
// other kind by its namespace and name.
func objectKeyOf(kind, namespace, name string) string {
	if kind == "Namespace" {
		return store.NamespaceKey(name)
	}
	return store.ObjectKey(kindsByName[kind].prefix, namespace, name)
}

// statusError answers a Kubernetes status error with its code and its words.
func statusError(err *apierrors.StatusError) error {
	return echo.NewHTTPError(int(err.Status().Code), err.Error())
}

// deleteNamespace starts the deletion of a namespace, as Kubernetes does: the Namespace is
// marked Terminating here, and the leader deletes what is in it, in order (see
// agent/schedule), then the Namespace. default cannot be deleted; a namespace being
// deleted already answers 409, as the API server does. The answer is the API server's
// too, with the swarm CLI's fields beside (see answerNamespaceDeleting).
func (a *Server) deleteNamespace(c echo.Context) error {
	name := c.Param("name")
	if name == store.DefaultNamespace {
		return statusError(apierrors.NewForbidden(namespacesResource, name, errors.New("this namespace may not be deleted")))
	}
	key := store.NamespaceKey(name)
	var stored []byte
	if e, ok := a.node.Get(key); ok && !e.Deleted {
		stored = e.Value
	}
	if stored == nil {
		var inUse bool
		a.view.Read(func(st *store.State, _ uint64) { inUse = st.NamespacesInUse()[name] })
		if !inUse {
			return statusError(apierrors.NewNotFound(namespacesResource, name))
		}
	}
	value, already, err := markNamespaceDeleting(name, stored, time.Now())
	if err != nil {
		return echo.NewHTTPError(http.StatusInternalServerError, err.Error())
	}
	if already {
		return statusError(apierrors.NewConflict(namespacesResource, name, errors.New(
			"The system is ensuring all content is removed from this namespace.  Upon completion, this namespace will automatically be purged by the system.")))
	}
	ack, err := request.Ack(c)
	if err != nil {
		return err
	}
	_, err = a.node.Write(c.Request().Context(), []cluster.Change{{Key: key, Value: value}}, ack)
	if err != nil && !errors.Is(err, cluster.ErrNotConfirmed) {
		return request.StoreWriteError(err, "nothing was deleted")
	}
	a.log.Info("namespace terminating: the leader deletes what is in it, then the namespace", "namespace", name)
	if err != nil {
		return request.StoreWriteError(err, "")
	}
	return answerNamespaceDeleting(c, name, value)
}

// markNamespaceDeleting is the stored Namespace name (stored nil: one that holds objects
// but has no record yet) marked for deletion at now: its deletionTimestamp and the phase
// Terminating, with Kubernetes' finalizer, which holds it until its content is gone.
// already reports a Namespace marked before, which stays as it is.
func markNamespaceDeleting(name string, stored []byte, now time.Time) (value []byte, already bool, err error) {
	n := &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: name, CreationTimestamp: metav1.NewTime(now.Truncate(time.Second))}}
	if stored != nil {
		n = &corev1.Namespace{}
		if err := json.Unmarshal(stored, n); err != nil {
			return nil, false, fmt.Errorf("decode the stored namespace: %w", err)
		}
	}
	if store.Terminating(n) {
		return stored, true, nil
	}
	at := metav1.NewTime(now.Truncate(time.Second))
	n.DeletionTimestamp = &at
	n.Status.Phase = corev1.NamespaceTerminating
	if !slices.Contains(n.Spec.Finalizers, manifest.NamespaceFinalizer) {
		n.Spec.Finalizers = append(n.Spec.Finalizers, manifest.NamespaceFinalizer)
	}
	n.APIVersion, n.Kind = "v1", "Namespace"
	b, err := json.Marshal(n)
	if err != nil {
		return nil, false, fmt.Errorf("encode the namespace: %w", err)
	}
	return b, false, nil
}

// namespaceToStore is the stored form of an applied Namespace: its spec with Kubernetes'
// finalizer, and no status but the phase of one being deleted (the API server makes a new
// one Active, which the view shows).
func namespaceToStore(n *corev1.Namespace) *corev1.Namespace {
	out := n.DeepCopy()
	out.APIVersion, out.Kind = "v1", "Namespace"
	out.Status = corev1.NamespaceStatus{}
	if out.DeletionTimestamp != nil {
		out.Status.Phase = corev1.NamespaceTerminating
	}
	if !slices.Contains(out.Spec.Finalizers, manifest.NamespaceFinalizer) {
		out.Spec.Finalizers = append(out.Spec.Finalizers, manifest.NamespaceFinalizer)
	}
	return out
}

// keepNamespaceDeletion carries over the deletion of each Namespace of set that is being
// deleted: applying it again does not call its deletion off. Only a delete starts one: a
// deletionTimestamp in the manifest is dropped, as the API server drops it. current reads
// a stored object.
func keepNamespaceDeletion(set *manifest.Set, current func(key string) ([]byte, bool)) {
	for _, o := range set.Objects {
		if o.Namespace == nil {
			continue
		}
		o.Namespace.DeletionTimestamp, o.Namespace.Status = nil, corev1.NamespaceStatus{}
		stored, ok := current(store.NamespaceKey(o.Namespace.Name))
		if !ok {
			continue
		}
		var old corev1.Namespace
		if json.Unmarshal(stored, &old) != nil || !store.Terminating(&old) {
			continue
		}
		o.Namespace.DeletionTimestamp = old.DeletionTimestamp
		o.Namespace.Status.Phase = corev1.NamespaceTerminating
	}
}

// checkNamespaces refuses, as the API server's namespace lifecycle does, an object in a
// namespace that does not exist (neither stored nor a Namespace of the same manifest), and
// a new object in a namespace being deleted; an object already stored there may still be
// applied again. stored tells whether a key holds an object.
func checkNamespaces(st *store.State, set *manifest.Set, stored func(key string) bool) manifest.Errors {
	inSet := map[string]bool{}
	for _, o := range set.Objects {
		if o.Namespace != nil {
			inSet[o.Namespace.Name] = true
		}
	}
	var inUse map[string]bool // read only when a namespace has no record: it reads every key
	var errs manifest.Errors
	for _, o := range set.Objects {
		m := o.Meta()
		if o.Namespace != nil {
			continue
		}
		if _, recorded := st.Namespaces[m.Namespace]; !recorded && inUse == nil && m.Namespace != store.DefaultNamespace {
			inUse = st.NamespacesInUse()
		}
		state := st.Namespace(m.Namespace, inUse)
		if state == store.NamespaceMissing && inSet[m.Namespace] {
			state = store.NamespaceActive
		}
		switch state {
		case store.NamespaceMissing:
			errs = append(errs, &manifest.Error{Source: o.Source, Field: "metadata.namespace", Reason: manifest.NamespaceNotFound(m.Namespace)})
		case store.NamespaceTerminating:
			if !stored(objectKeyOf(o.Kind, m.Namespace, m.Name)) {
				errs = append(errs, &manifest.Error{Source: o.Source, Field: "metadata.namespace",
					Reason: manifest.NamespaceTerminating(resourceOf(o), m.Name, m.Namespace)})
			}
		}
	}
	return errs
}

// resourceOf is the group and resource of an object's kind, as Kubernetes names them in
// its errors (deployments.apps, pods).
func resourceOf(o manifest.Object) schema.GroupResource {
	var tm metav1.TypeMeta
	_ = json.Unmarshal(encodeObject(o), &tm) // every stored form has its apiVersion
	group, _, _ := strings.Cut(tm.APIVersion, "/")
	if !strings.Contains(tm.APIVersion, "/") {
		group = ""
	}
	return schema.GroupResource{Group: group, Resource: kindsByName[o.Kind].list}
}
