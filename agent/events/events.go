// Package events records what happens to the cluster's objects as Kubernetes-shaped v1
// Events in the replicated store (event/<namespace>/<name>), for GET /api/v1/events,
// `swarm get events` and the Events section of `swarm describe`.
//
// Any part of the agent records one with a Recorder, in one line:
//
//	rec.Event(events.Object("Deployment", ns, name), corev1.EventTypeNormal, "Scheduled", msg)
//
// The events part (Part) keeps them bounded (Retention) and records, as a WriteConflict
// warning, every write that a concurrent write replaced: a write made on one side of a
// partition that loses to one made on the other side when they meet.
package events

import (
	"crypto/sha256"
	"encoding/hex"
	"strings"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/podman-swarm/podman-swarm/agent/store"
)

// Reasons recorded by this package.
const (
	// ReasonWriteConflict: a write to the object, answered to its client, was replaced by a
	// concurrent write whose writer had not seen it.
	ReasonWriteConflict = "WriteConflict"
)

// Component is the source.component of every event the agents record.
const Component = "swarm-agent"

// reportingController is the reportingComponent of every event the agents record.
const reportingController = "swarm.podman.io/agent"

// kinds are the kinds of the objects users apply, by store prefix, with their apiVersion.
var kinds = []struct {
	prefix, kind, apiVersion string
	aliases                  []string // what a user may type for the kind, lower case
}{
	{store.PrefixDeployment, "Deployment", "apps/v1", []string{"deployment", "deployments", "deploy"}},
	{store.PrefixService, "Service", "v1", []string{"service", "services", "svc"}},
	{store.PrefixIngress, "Ingress", "networking.k8s.io/v1", []string{"ingress", "ingresses", "ing"}},
	{store.PrefixPod, "Pod", "v1", []string{"pod", "pods", "po"}},
	{store.PrefixClaim, "PersistentVolumeClaim", "v1", []string{"persistentvolumeclaim", "persistentvolumeclaims", "pvc"}},
	{store.PrefixDaemonSet, "DaemonSet", "apps/v1", []string{"daemonset", "daemonsets", "ds"}},
	{store.PrefixJob, "Job", "batch/v1", []string{"job", "jobs"}},
	{store.PrefixCronJob, "CronJob", "batch/v1", []string{"cronjob", "cronjobs", "cj"}},
}

// Object names the object an event is about, with the apiVersion of its kind.
func Object(kind, namespace, name string) corev1.ObjectReference {
	ref := corev1.ObjectReference{Kind: kind, Namespace: namespace, Name: name}
	for _, k := range kinds {
		if k.kind == kind {
			ref.APIVersion = k.apiVersion
		}
	}
	return ref
}

// objectOfKey names the object stored under an object key (deployment/<ns>/<name>, ...).
func objectOfKey(key string) (corev1.ObjectReference, bool) {
	for _, k := range kinds {
		rest, ok := strings.CutPrefix(key, k.prefix)
		if !ok {
			continue
		}
		ns, name, ok := strings.Cut(rest, "/")
		if !ok {
			return corev1.ObjectReference{}, false
		}
		return Object(k.kind, ns, name), true
	}
	return corev1.ObjectReference{}, false
}

// kindOf is the kind a user means by what they typed: a kind in any case, or a resource
// name as the CLI takes them; "" when it is none.
func kindOf(typed string) string {
	lower := strings.ToLower(typed)
	for _, k := range kinds {
		if strings.ToLower(k.kind) == lower {
			return k.kind
		}
		for _, a := range k.aliases {
			if a == lower {
				return k.kind
			}
		}
	}
	return ""
}

// maxNamePrefix keeps an event's name (the object's name, a dot and 16 hex digits) within
// the 253 characters of a Kubernetes name.
const maxNamePrefix = 200

// eventName names the event of obj with this type, reason and message: the object's name
// and a digest of the rest, as Kubernetes names events <object>.<suffix>. Events alike get
// the same name, and so the same key, which is how a repeat is counted instead of added.
func eventName(obj corev1.ObjectReference, eventType, reason, message string) string {
	h := sha256.New()
	for _, s := range []string{obj.Kind, obj.Namespace, obj.Name, eventType, reason, message} {
		h.Write([]byte(s))
		h.Write([]byte{0})
	}
	prefix := obj.Name
	if len(prefix) > maxNamePrefix {
		prefix = prefix[:maxNamePrefix]
	}
	return prefix + "." + hex.EncodeToString(h.Sum(nil)[:8])
}

// newEvent is a first occurrence of an event, recorded by host at now.
func newEvent(obj corev1.ObjectReference, eventType, reason, message, host string, now time.Time) *corev1.Event {
	t := metav1.NewTime(now)
	namespace := obj.Namespace
	if namespace == "" {
		namespace = metav1.NamespaceDefault
	}
	return &corev1.Event{
		TypeMeta: metav1.TypeMeta{APIVersion: "v1", Kind: "Event"},
		ObjectMeta: metav1.ObjectMeta{
			Name:              eventName(obj, eventType, reason, message),
			Namespace:         namespace,
			CreationTimestamp: t,
		},
		InvolvedObject:      obj,
		Reason:              reason,
		Message:             message,
		Type:                eventType,
		Source:              corev1.EventSource{Component: Component, Host: host},
		FirstTimestamp:      t,
		LastTimestamp:       t,
		Count:               1,
		ReportingController: reportingController,
		ReportingInstance:   host,
	}
}
