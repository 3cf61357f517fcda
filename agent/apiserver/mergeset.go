package apiserver

import (
	"errors"
	"fmt"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/podman-swarm/podman-swarm/manifest"
)

// mergeSet is the manifest as apply stores it. Each object records the configuration it
// was applied with in its last-applied annotation; an object stored already is the
// three-way merge of the stored one with the change from its last applied configuration
// to this one, as kubectl apply does it, so that a field the manifest never set (replicas
// after a scale) keeps its live value. An object sent back as read from the API (with its
// last-applied annotation or its creationTimestamp, as scale does) replaces the stored one
// whole, as kubectl replace does, and keeps the stored annotation when it carries none:
// what it changes is no part of what was applied, and the next apply does not undo it.
// current reads a stored object. The merged objects are decoded and validated again, as
// any manifest is. The warnings are kubectl's for an object applied over one that no
// apply made (or stored before applies recorded their configuration).
func mergeSet(set *manifest.Set, current func(key string) ([]byte, bool)) (*manifest.Set, []string, error) {
	out := &manifest.Set{Objects: make([]manifest.Object, 0, len(set.Objects))}
	var errs manifest.Errors
	var warnings []string
	for _, o := range set.Objects {
		m := o.Meta()
		stored, had := current(objectKeyOf(o.Kind, m.Namespace, m.Name))
		if had && readFromAPI(m, stored) {
			keepLastApplied(m, stored)
			out.Objects = append(out.Objects, o)
			continue
		}
		modified, err := appliedConfiguration(encodeObject(o))
		if err != nil {
			return nil, nil, err
		}
		if had {
			original := lastApplied(stored)
			if original == nil {
				warnings = append(warnings, fmt.Sprintf("resource %s/%s is missing the %s annotation which is required by swarm apply. "+
					"swarm apply should only be used on resources created declaratively by swarm apply. The missing annotation will be patched automatically.",
					kindsByName[o.Kind].list, m.Name, LastAppliedAnnotation))
			}
			merged, err := threeWayMerge(o.Kind, original, modified, stored)
			if err != nil {
				return nil, nil, fmt.Errorf("apply %s %s/%s: %w", o.Kind, m.Namespace, m.Name, err)
			}
			ms, err := manifest.Parse(manifest.Input{Name: o.Source.File, Data: merged})
			var perr manifest.Errors
			switch {
			case errors.As(err, &perr):
				for _, e := range perr {
					e.Source = o.Source
				}
				errs = append(errs, perr...)
				continue
			case err != nil:
				return nil, nil, err
			}
			src := o.Source
			o = ms.Objects[0]
			o.Source = src
			m = o.Meta()
		}
		if m.Annotations == nil {
			m.Annotations = map[string]string{}
		}
		m.Annotations[LastAppliedAnnotation] = string(modified)
		out.Objects = append(out.Objects, o)
	}
	if len(errs) > 0 {
		return nil, nil, errs
	}
	return out, warnings, nil
}

// readFromAPI tells whether an object applied over stored was read from the API and sent
// back, rather than written by a user: it carries the last-applied annotation, or the
// stored object's creationTimestamp (an object stored before applies recorded their
// configuration has no annotation to send back).
func readFromAPI(m *metav1.ObjectMeta, stored []byte) bool {
	if _, ok := m.Annotations[LastAppliedAnnotation]; ok {
		return true
	}
	created, _ := createdAt(stored)
	return !m.CreationTimestamp.IsZero() && m.CreationTimestamp.Equal(&created)
}

// keepLastApplied gives an object that replaces stored the configuration stored was last
// applied with, unless it carries one of its own: what replaces an object is no part of
// what was applied, and the next apply merges against the configuration as it was.
func keepLastApplied(m *metav1.ObjectMeta, stored []byte) {
	if _, ok := m.Annotations[LastAppliedAnnotation]; ok || lastApplied(stored) == nil {
		return
	}
	if m.Annotations == nil {
		m.Annotations = map[string]string{}
	}
	m.Annotations[LastAppliedAnnotation] = string(lastApplied(stored))
}

// replaceSet is the manifest as a replace (a PUT of the whole object, kubectl replace)
// stores it: each object replaces the stored one whole, as mergeSet replaces an object
// read from the API, and keeps its last applied configuration (see keepLastApplied). A new
// object is stored as given. It has mergeSet's signature, and no warnings.
func replaceSet(set *manifest.Set, current func(key string) ([]byte, bool)) (*manifest.Set, []string, error) {
	for _, o := range set.Objects {
		m := o.Meta()
		if stored, had := current(objectKeyOf(o.Kind, m.Namespace, m.Name)); had {
			keepLastApplied(m, stored)
		}
	}
	return set, nil, nil
}
