package view

import (
	"bytes"
	"encoding/json"
	"slices"
	"strconv"
	"strings"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"

	"github.com/podman-swarm/podman-swarm/api"
)

// Object is one object the view serves, as it was at Version. JSON and Value are shared
// by every reader: neither is to be changed.
type Object struct {
	Kind      Kind
	Key       string // "namespace/name"; a node's name
	Namespace string
	Node      string // a pod's node; "" while it is not placed, and for other kinds
	Version   uint64 // the change that made it so; its metadata.resourceVersion
	JSON      []byte
	Value     Value
}

// Value is an object as Kubernetes types it.
type Value interface {
	metav1.Object
	runtime.Object
}

// table holds the objects of one kind, indexed.
type table struct {
	objects map[string]*Object
	byNS    map[string]map[string]*Object
	byNode  map[string]map[string]*Object // pods only
}

func newTable(k Kind) *table {
	t := &table{objects: map[string]*Object{}, byNS: map[string]map[string]*Object{}}
	if k == Pods {
		t.byNode = map[string]map[string]*Object{}
	}
	return t
}

func (t *table) set(o *Object) {
	if old := t.objects[o.Key]; old != nil {
		t.unset(old)
	}
	t.objects[o.Key] = o
	index(t.byNS, o.Namespace, o)
	if t.byNode != nil {
		index(t.byNode, o.Node, o)
	}
}

func (t *table) unset(o *Object) {
	delete(t.objects, o.Key)
	unindex(t.byNS, o.Namespace, o)
	if t.byNode != nil {
		unindex(t.byNode, o.Node, o)
	}
}

func index(idx map[string]map[string]*Object, by string, o *Object) {
	if idx[by] == nil {
		idx[by] = map[string]*Object{}
	}
	idx[by][o.Key] = o
}

func unindex(idx map[string]map[string]*Object, by string, o *Object) {
	delete(idx[by], o.Key)
	if len(idx[by]) == 0 {
		delete(idx, by)
	}
}

// put makes obj the object of kind under key, unless it is the same as the one there: a
// change raises the version, which obj carries from then on, and is recorded. obj is the
// view's from then on.
func (v *View) put(kind Kind, key string, obj Value, node string) {
	if v.shapes.Defaults != nil {
		obj = v.shapes.Defaults(obj)
	}
	t := v.tables[kind]
	old := t.objects[key]
	version := v.version + 1
	obj.SetResourceVersion(FormatVersion(version))
	data, err := json.Marshal(obj)
	if err != nil {
		v.log.Error("encode an object; it is left as it was", "kind", kind, "key", key, "err", err)
		return
	}
	if old != nil && old.Node == node && sameButVersion(data, version, old) {
		obj.SetResourceVersion(FormatVersion(old.Version))
		return
	}
	v.version = version
	o := &Object{Kind: kind, Key: key, Namespace: obj.GetNamespace(), Node: node, Version: version, JSON: data, Value: obj}
	t.set(o)
	ev := Event{Type: api.Added, Object: o}
	if old != nil {
		ev.Type, ev.prev = api.Modified, old
	}
	v.record(ev)
}

// sameButVersion reports whether data, obj encoded at version, is old's encoding but for
// the resourceVersion, so that an object made again unchanged is encoded once, not once
// to compare and once more to keep. The first resourceVersion in an encoding is the
// object's own: metadata comes before spec and status, and within it resourceVersion
// comes before anything a user writes (labels, annotations), while a name holds no quote.
func sameButVersion(data []byte, version uint64, old *Object) bool {
	mine := []byte(`"resourceVersion":"` + FormatVersion(version) + `"`)
	theirs := []byte(`"resourceVersion":"` + FormatVersion(old.Version) + `"`)
	i, j := bytes.Index(data, mine), bytes.Index(old.JSON, theirs)
	return i >= 0 && i == j && bytes.Equal(data[:i], old.JSON[:j]) &&
		bytes.Equal(data[i+len(mine):], old.JSON[j+len(theirs):])
}

// remove takes the object of kind under key away, and records its deletion with the
// object as it last was.
func (v *View) remove(kind Kind, key string) {
	t := v.tables[kind]
	old := t.objects[key]
	if old == nil {
		return
	}
	version := v.version + 1
	last := old.Value.DeepCopyObject().(Value)
	last.SetResourceVersion(FormatVersion(version))
	data, err := json.Marshal(last)
	if err != nil {
		data = old.JSON
	}
	v.version = version
	t.unset(old)
	gone := *old
	gone.Version, gone.JSON, gone.Value = version, data, last
	v.record(Event{Type: api.Deleted, Object: &gone})
}

// List gives the objects of kind that f keeps, encoded, in key order, and the version
// they are at.
func (v *View) List(kind Kind, f Filter) ([][]byte, uint64) {
	if kind == Nodes {
		v.freshNodes()
	}
	v.mu.RLock()
	defer v.mu.RUnlock()
	t := v.tables[kind]
	from := t.objects
	switch {
	case f.ByNode && t.byNode != nil:
		from = t.byNode[f.Node]
	case f.Namespace != "":
		from = t.byNS[f.Namespace]
	}
	objs := make([]*Object, 0, len(from))
	for _, o := range from {
		if f.keeps(o) {
			objs = append(objs, o)
		}
	}
	slices.SortFunc(objs, func(a, b *Object) int { return strings.Compare(a.Key, b.Key) })
	out := make([][]byte, len(objs))
	for i, o := range objs {
		out[i] = o.JSON
	}
	return out, v.version
}

// Get gives the object of kind under key ("namespace/name", or a node's name).
func (v *View) Get(kind Kind, key string) (*Object, bool) {
	if kind == Nodes {
		v.freshNodes()
	}
	v.mu.RLock()
	defer v.mu.RUnlock()
	o, ok := v.tables[kind].objects[key]
	return o, ok
}

// freshNodes brings the nodes up to date with the membership (see syncNodes).
func (v *View) freshNodes() {
	v.mu.Lock()
	defer v.mu.Unlock()
	before := v.version
	v.syncNodes()
	v.notify(before)
}

// FormatVersion writes a resource version as the API does.
func FormatVersion(version uint64) string { return strconv.FormatUint(version, 10) }
