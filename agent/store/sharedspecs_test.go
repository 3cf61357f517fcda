package store

import (
	"encoding/json"
	"reflect"
	"slices"
	"testing"

	"github.com/podman-swarm/podman-swarm/manifest"
)

// The wire forms name the same fields, with the same tags, as Assignment and manifest.Pod:
// a field added to either and not to them would be lost silently. Only the fields left
// encoded differ in type.
func TestWireFormsMirrorTheRecords(t *testing.T) {
	same := func(wire, record reflect.Type, encoded ...string) {
		t.Helper()
		if wire.NumField() != record.NumField() {
			t.Fatalf("%s has %d fields, %s %d", wire, wire.NumField(), record, record.NumField())
		}
		for i := range wire.NumField() {
			w, r := wire.Field(i), record.Field(i)
			if w.Name != r.Name || w.Tag != r.Tag || (!slices.Contains(encoded, w.Name) && w.Type != r.Type) {
				t.Errorf("%s.%s %s %q, %s.%s %s %q", wire, w.Name, w.Type, w.Tag, record, r.Name, r.Type, r.Tag)
			}
		}
	}
	same(reflect.TypeFor[assignmentWire](), reflect.TypeFor[Assignment](), "Pod")
	same(reflect.TypeFor[podWire](), reflect.TypeFor[manifest.Pod](), "Spec", "Labels", "Annotations", "ConfigVersions")
}

// Decode gives what json.Unmarshal gives, for assignments with and without a spec, with
// every field set, and for values that do not decode; two pods with the same spec share it.
func TestSharedSpecsDecodeAsJSONDoes(t *testing.T) {
	values := []string{
		`{"pod":{"namespace":"default","name":"web-1","labels":{"app":"web"},"annotations":{"a":"b"},"owner":"web","templateHash":"abc",
		  "spec":{"containers":[{"name":"main","image":"img:1","ports":[{"containerPort":8080,"name":"http"}],"env":[{"name":"A","value":"1"}]}]}},
		  "node":"n1","podIP":"10.42.0.5"}`,
		`{"pod":{"namespace":"default","name":"web-2","labels":{"app":"web"},"owner":"web","templateHash":"abc",
		  "spec":{"containers":[{"name":"main","image":"img:1","ports":[{"containerPort":8080,"name":"http"}],"env":[{"name":"A","value":"1"}]}]}},
		  "node":"n2"}`,
		`{"pod":{"namespace":"default","name":"web-3","labels":{"app":"web"},"annotations":{"a":"b"},"configVersions":{"configmap/x":"7"},"owner":"web"},"node":"n2"}`,
		`{"pod":{"namespace":"default","name":"bare"},"node":"n1"}`,
		`{"pod":{"namespace":"default","name":"nullspec","spec":null,"labels":null,"annotations":{},"configVersions":null},"node":"n1","unknown":1}`,
		`{"pod":{"namespace":"default","name":"dup","labels":{"app":"a","app":"b"}},"node":"n1"}`,
		`{"pod":{"name":"bad","spec":{"containers":"not a list"}}}`,
		`{"pod":{"name":"badlabels","labels":["app"]}}`,
		`{"pod":{"name":"badannotations","annotations":{"a":1}}}`,
		`{"pod":{"name":"badversions","configVersions":"7"}}`,
		`{"pod":`,
		`[]`,
	}
	var s SharedSpecs
	var decoded []Assignment
	for _, v := range values {
		var want Assignment
		wantErr := json.Unmarshal([]byte(v), &want)
		got, err := s.Decode([]byte(v))
		if (err != nil) != (wantErr != nil) {
			t.Fatalf("%s: error %v, json.Unmarshal's %v", v, err, wantErr)
		}
		if err == nil && !reflect.DeepEqual(got, want) {
			t.Fatalf("%s:\n got %+v\nwant %+v", v, got, want)
		}
		decoded = append(decoded, got)
	}
	a, b := decoded[0].Pod.Spec.Containers, decoded[1].Pod.Spec.Containers
	if &a[0] != &b[0] {
		t.Error("two pods with the same spec do not share it")
	}
	if reflect.ValueOf(decoded[0].Pod.Labels).UnsafePointer() != reflect.ValueOf(decoded[2].Pod.Labels).UnsafePointer() ||
		reflect.ValueOf(decoded[0].Pod.Annotations).UnsafePointer() != reflect.ValueOf(decoded[2].Pod.Annotations).UnsafePointer() {
		t.Error("two pods with the same labels and annotations do not share them")
	}
}
