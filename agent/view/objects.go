package view

import (
	"bytes"
	"encoding/json"
	"fmt"
	"slices"
	"strconv"
	"strings"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"

	"github.com/podman-swarm/podman-swarm/api"
)

// Object is one object the view serves, as it was at Version. Its JSON, and the value
// Value gives of a kind the view keeps typed, are shared by every reader: neither is to
// be changed.
type Object struct {
	Kind      Kind
	Key       string // "namespace/name"; a node's name
	Namespace string
	Node      string // a pod's node; "" while it is not placed, and for other kinds
	Version   uint64 // the change that made it so; its metadata.resourceVersion
	JSON      []byte

	// value is the object as Kubernetes types it; nil for the kinds kept encoded only
	// (see decodedKinds).
	value Value
	// labels and fields are what filters read: the object's labels, and the values of its
	// kind's selectable fields in FieldLabels' order. Kept apart from the typed object, so
	// that selecting among thousands of pods decodes none.
	labels map[string]string
	fields []string
}

// Value is an object as Kubernetes types it.
type Value interface {
	metav1.Object
	runtime.Object
}

// decodedKinds are the kinds whose objects the view keeps encoded only, with what their
// JSON decodes into. A node shows every pod of the cluster, thousands of them: keeping
// each typed pod next to its JSON took a third of the memory the view held per pod, and
// the pages a burst of placements makes every node fault in follow that memory. The few
// readers of a typed pod (describe, a delete's grace period, a pod's owner) decode it.
var decodedKinds = map[Kind]func() Value{
	Pods: func() Value { return &corev1.Pod{} },
}

// Value is the object as Kubernetes types it: the view's own for the kinds it keeps typed
// (to be read only), a copy decoded from JSON for the others (the caller's).
func (o *Object) Value() (Value, error) {
	if o.value != nil {
		return o.value, nil
	}
	newValue, ok := decodedKinds[o.Kind]
	if !ok {
		return nil, fmt.Errorf("decode %s %s: no type is known for the kind", o.Kind, o.Key)
	}
	v := newValue()
	if err := json.Unmarshal(o.JSON, v); err != nil {
		return nil, fmt.Errorf("decode %s %s: %w", o.Kind, o.Key, err)
	}
	return v, nil
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
	o := &Object{Kind: kind, Key: key, Namespace: obj.GetNamespace(), Node: node, Version: version, JSON: data,
		labels: obj.GetLabels(), fields: fieldValues(kind, obj)}
	if _, encodedOnly := decodedKinds[kind]; !encodedOnly {
		o.value = obj
	}
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
	mine, theirs := versionField(version), versionField(old.Version)
	i, j := bytes.Index(data, mine), bytes.Index(old.JSON, theirs)
	return i >= 0 && i == j && bytes.Equal(data[:i], old.JSON[:j]) &&
		bytes.Equal(data[i+len(mine):], old.JSON[j+len(theirs):])
}

// versionField is how a resourceVersion is written in an object's JSON.
func versionField(version uint64) []byte {
	return []byte(`"resourceVersion":"` + FormatVersion(version) + `"`)
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
	gone := *old
	gone.Version = version
	data, err := restamped(old, version)
	if err != nil {
		v.log.Error("encode a deleted object at its deletion's version; it is sent as it was", "kind", kind, "key", key, "err", err)
		data = old.JSON
	}
	gone.JSON = data
	if old.value != nil {
		last := old.value.DeepCopyObject().(Value)
		last.SetResourceVersion(FormatVersion(version))
		gone.value = last
	}
	v.version = version
	t.unset(old)
	v.record(Event{Type: api.Deleted, Object: &gone})
}

// restamped is o's JSON with version as its resourceVersion: what encoding the object
// at that version gives. The object's own resourceVersion is the first in its JSON (see
// sameButVersion), so it is replaced there rather than the object decoded and encoded
// again, which a deletion of thousands of pods would pay per pod. An encoding without it
// (none the view makes) is encoded again.
func restamped(o *Object, version uint64) ([]byte, error) {
	was := versionField(o.Version)
	if i := bytes.Index(o.JSON, was); i >= 0 {
		return slices.Concat(o.JSON[:i], versionField(version), o.JSON[i+len(was):]), nil
	}
	obj, err := o.Value()
	if err != nil {
		return nil, err
	}
	last := obj.DeepCopyObject().(Value)
	last.SetResourceVersion(FormatVersion(version))
	return json.Marshal(last)
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
