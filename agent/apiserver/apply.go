package apiserver

import (
	"bytes"
	"encoding/json"
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"

	"github.com/podman-swarm/podman-swarm/agent/store"
	"github.com/podman-swarm/podman-swarm/api"
	"github.com/podman-swarm/podman-swarm/manifest"
)

// kindInfo ties a manifest kind to its store prefix and to the API's list path, which a
// delete's ?kind= may name too.
type kindInfo struct {
	prefix string
	list   string // deployments, services, ...
}

var kindsByName = map[string]kindInfo{
	"Deployment": {store.PrefixDeployment, "deployments"},
	"Service":    {store.PrefixService, "services"},
	"Ingress":    {store.PrefixIngress, "ingresses"},
	"Pod":        {store.PrefixPod, "pods"},
	"ConfigMap":  {store.PrefixConfigMap, "configmaps"},
	"Secret":     {store.PrefixSecret, "secrets"},

	"PersistentVolumeClaim":  {store.PrefixClaim, "persistentvolumeclaims"},
	"DaemonSet":              {store.PrefixDaemonSet, "daemonsets"},
	"Namespace":              {store.PrefixNamespace, "namespaces"},
	manifest.KindStatefulSet: {store.PrefixStatefulSet, "statefulsets"},
	"Job":                    {store.PrefixJob, "jobs"},
	"CronJob":                {store.PrefixCronJob, "cronjobs"},
}

// write is one value to store.
type write struct {
	key   string
	value []byte
}

// applied is what an apply does to one object: its result line, and the stored form
// before (nil for a new object) and after, which a diff shows.
type applied struct {
	result api.Applied
	live   []byte
	merged []byte
}

// applyChanges computes the store writes for a validated manifest, merged with what is
// stored (see mergeSet): every object is stored with apiVersion and kind, namespace
// defaulted, and the creationTimestamp and uid of its first apply (set now for a new object,
// as the API server sets them, kept as they are for one stored already), and each gets a
// result line. Nothing is written for an unchanged object. newUID makes the uid of a new
// object.
func applyChanges(set *manifest.Set, current func(key string) ([]byte, bool), now time.Time, newUID func() types.UID) ([]write, []applied) {
	var changes []write
	var results []applied
	for _, o := range set.Objects {
		m := o.Meta()
		key := objectKeyOf(o.Kind, m.Namespace, m.Name)
		old, had := current(key)
		m.CreationTimestamp = metav1.NewTime(now.Truncate(time.Second))
		m.UID = newUID()
		if had {
			// An object stored before objects had these keeps none, so that applying it
			// again changes nothing it did not ask for.
			m.CreationTimestamp, m.UID = createdAt(old)
		}
		value := encodeObject(o)
		if had {
			value = withoutShownDefaults(o.Kind, value, old)
		}
		result := "created"
		if had {
			result = "configured"
			if bytes.Equal(old, value) {
				result = "unchanged"
			}
		}
		if result != "unchanged" {
			changes = append(changes, write{key: key, value: value})
		}
		a := applied{result: api.Applied{Kind: o.Kind, Namespace: m.Namespace, Name: m.Name, Result: result}, merged: value}
		if had {
			a.live = old
		}
		results = append(results, a)
	}
	return changes, results
}

// createdAt is the creationTimestamp and uid of a stored object; zero for one stored
// before objects had them.
func createdAt(stored []byte) (metav1.Time, types.UID) {
	var v struct {
		Metadata struct {
			CreationTimestamp metav1.Time `json:"creationTimestamp"`
			UID               types.UID   `json:"uid"`
		} `json:"metadata"`
	}
	_ = json.Unmarshal(stored, &v) // a stored object always decodes; zero if not
	return v.Metadata.CreationTimestamp, v.Metadata.UID
}

// encodeObject is the stored form of an object: its JSON with apiVersion and kind set, and
// no resourceVersion: the store keeps the object's lineage there (see lineageCluster), and
// the one a client sends back from a get (each node's own) is not part of what it applies,
// so an object read from the API and applied again is unchanged.
func encodeObject(o manifest.Object) []byte {
	var v metav1.Object
	switch {
	case o.Deployment != nil:
		d := o.Deployment.DeepCopy()
		d.APIVersion, d.Kind = "apps/v1", "Deployment"
		v = d
	case o.Service != nil:
		s := o.Service.DeepCopy()
		s.APIVersion, s.Kind = "v1", "Service"
		v = s
	case o.Ingress != nil:
		i := o.Ingress.DeepCopy()
		i.APIVersion, i.Kind = "networking.k8s.io/v1", "Ingress"
		v = i
	case o.Claim != nil:
		v = claimToStore(o.Claim)
	case o.DaemonSet != nil:
		ds := o.DaemonSet.DeepCopy()
		ds.APIVersion, ds.Kind = "apps/v1", "DaemonSet"
		v = ds
	case o.Namespace != nil:
		v = namespaceToStore(o.Namespace)
	case o.StatefulSet != nil:
		v = statefulSetToStore(o.StatefulSet)
	case o.ConfigMap != nil:
		cm := o.ConfigMap.DeepCopy()
		cm.APIVersion, cm.Kind = "v1", "ConfigMap"
		v = cm
	case o.Secret != nil:
		s := o.Secret.DeepCopy()
		s.APIVersion, s.Kind = "v1", "Secret"
		v = s
	case o.Job != nil:
		v = jobToStore(o.Job)
	case o.CronJob != nil:
		v = cronJobToStore(o.CronJob)
	default:
		p := o.Pod.DeepCopy()
		p.APIVersion, p.Kind = "v1", "Pod"
		v = p
	}
	v.SetResourceVersion("")
	b, err := json.Marshal(v)
	if err != nil {
		panic("encode object: " + err.Error())
	}
	return b
}
