package podconfig

import (
	"encoding/json"
	"log/slog"
	"sync"

	corev1 "k8s.io/api/core/v1"

	"github.com/podman-swarm/podman-swarm/agent/store"
	"github.com/podman-swarm/podman-swarm/cluster"
	"github.com/podman-swarm/podman-swarm/manifest"
)

// Objects is the node's snapshot of the ConfigMaps and Secrets its pods are rendered with,
// replaced whole by Keeper. It is safe for concurrent use.
type Objects struct {
	mu  sync.RWMutex
	cur manifest.ConfigObjects
	// pinned are, by pod key, what the pods' containers were first created with (see pin).
	pinned map[string]manifest.ConfigObjects
}

var _ manifest.ConfigLookup = (*Objects)(nil)

// ConfigMap finds a ConfigMap of the snapshot.
func (o *Objects) ConfigMap(namespace, name string) (*corev1.ConfigMap, bool) {
	o.mu.RLock()
	defer o.mu.RUnlock()
	return o.cur.ConfigMap(namespace, name)
}

// Secret finds a Secret of the snapshot.
func (o *Objects) Secret(namespace, name string) (*corev1.Secret, bool) {
	o.mu.RLock()
	defer o.mu.RUnlock()
	return o.cur.Secret(namespace, name)
}

// Pinned finds what the pod's containers were first created with, for
// quadlet.Options.Pinned; nil when the node keeps nothing for it (a bare Pod, or a pod
// that takes nothing at creation), which then takes the current objects.
func (o *Objects) Pinned(namespace, pod string) manifest.ConfigLookup {
	o.mu.RLock()
	defer o.mu.RUnlock()
	c, ok := o.pinned[namespace+"/"+pod]
	if !ok {
		return nil
	}
	return c
}

func (o *Objects) setPinned(p map[string]manifest.ConfigObjects) {
	o.mu.Lock()
	defer o.mu.Unlock()
	o.pinned = p
}

func (o *Objects) get() manifest.ConfigObjects {
	o.mu.RLock()
	defer o.mu.RUnlock()
	return o.cur
}

func (o *Objects) set(c manifest.ConfigObjects) {
	o.mu.Lock()
	defer o.mu.Unlock()
	o.cur = c
}

// Lister is the part of the store Keeper reads.
type Lister interface {
	List(prefix string) []cluster.Entry
}

// readObjects decodes the store's ConfigMaps and Secrets, each with its stored version as
// its resourceVersion (which names its podman secrets).
func readObjects(s Lister, log *slog.Logger) manifest.ConfigObjects {
	c := manifest.ConfigObjects{ConfigMaps: map[string]*corev1.ConfigMap{}, Secrets: map[string]*corev1.Secret{}}
	for _, e := range s.List(store.PrefixConfigMap) {
		var cm corev1.ConfigMap
		if err := json.Unmarshal(e.Value, &cm); err != nil {
			log.Warn("skipping undecodable store value", "key", e.Key, "err", err)
			continue
		}
		cm.ResourceVersion = store.FormatVersion(e.Version)
		c.ConfigMaps[e.Key[len(store.PrefixConfigMap):]] = &cm
	}
	for _, e := range s.List(store.PrefixSecret) {
		var sec corev1.Secret
		if err := json.Unmarshal(e.Value, &sec); err != nil {
			// The error of a JSON decode names types and offsets, never the value.
			log.Warn("skipping undecodable store value", "key", e.Key, "err", err)
			continue
		}
		sec.ResourceVersion = store.FormatVersion(e.Version)
		c.Secrets[e.Key[len(store.PrefixSecret):]] = &sec
	}
	return c
}

// keepUsed adds to next the objects of prev that next lacks and that a pod still uses, so
// that a pod keeps running on what it started with when its ConfigMap or Secret goes.
func keepUsed(next, prev manifest.ConfigObjects, pods []manifest.Pod) {
	for _, p := range pods {
		cms, secrets := references(&p.Spec)
		for _, name := range cms {
			key := p.Namespace + "/" + name
			if _, ok := next.ConfigMaps[key]; !ok {
				if old, ok := prev.ConfigMaps[key]; ok {
					next.ConfigMaps[key] = old
				}
			}
		}
		for _, name := range secrets {
			key := p.Namespace + "/" + name
			if _, ok := next.Secrets[key]; !ok {
				if old, ok := prev.Secrets[key]; ok {
					next.Secrets[key] = old
				}
			}
		}
	}
}

// references lists the ConfigMaps and Secrets a pod names, optional ones too.
func references(spec *corev1.PodSpec) (configMaps, secrets []string) {
	for _, list := range [][]corev1.Container{spec.InitContainers, spec.Containers} {
		for _, c := range list {
			for _, ef := range c.EnvFrom {
				if ef.ConfigMapRef != nil {
					configMaps = append(configMaps, ef.ConfigMapRef.Name)
				}
				if ef.SecretRef != nil {
					secrets = append(secrets, ef.SecretRef.Name)
				}
			}
			for _, e := range c.Env {
				if e.ValueFrom == nil {
					continue
				}
				if r := e.ValueFrom.ConfigMapKeyRef; r != nil {
					configMaps = append(configMaps, r.Name)
				}
				if r := e.ValueFrom.SecretKeyRef; r != nil {
					secrets = append(secrets, r.Name)
				}
			}
		}
	}
	for _, v := range spec.Volumes {
		if v.ConfigMap != nil {
			configMaps = append(configMaps, v.ConfigMap.Name)
		}
		if v.Secret != nil {
			secrets = append(secrets, v.Secret.SecretName)
		}
	}
	return configMaps, secrets
}
