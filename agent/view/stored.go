package view

import (
	"maps"
	"slices"
)

// copier is an object the view shows as it is stored (a ConfigMap, a Secret).
type copier[T any] interface {
	*T
	Value
	DeepCopy() *T
}

// reshapeStored makes again the objects of kind marked in d from their records, shown as
// stored: nothing else in the cluster adds to them.
func reshapeStored[T any, P copier[T]](v *View, d dirty, kind Kind, records map[string]*T) {
	for _, key := range slices.Sorted(maps.Keys(d[kind])) {
		if o, ok := records[key]; ok {
			v.put(kind, key, P(P(o).DeepCopy()), "")
		} else {
			v.remove(kind, key)
		}
	}
}
