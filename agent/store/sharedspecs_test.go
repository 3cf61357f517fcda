package store

import (
	"bytes"
	"encoding/json"
	"reflect"
	"slices"
	"testing"

	corev1 "k8s.io/api/core/v1"
	"pgregory.net/rapid"

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

// The scan of an assignment, and the decoding it falls back to, give what json.Unmarshal
// gives for any assignment this package encodes, strings with quotes, escapes and
// characters beyond ASCII included, and for any one-byte change of such an encoding.
func TestDecodeOfAnyAssignmentIsJSONs(t *testing.T) {
	chars := []rune(`abz09-./"\<>&é😀` + "\x01\n\u2028")
	str := rapid.Custom(func(t *rapid.T) string {
		return string(rapid.SliceOfN(rapid.SampledFrom(chars), 0, 8).Draw(t, "s"))
	})
	strMap := rapid.OneOf(rapid.Just[map[string]string](nil), rapid.MapOfN(str, str, 0, 3))
	rapid.Check(t, func(t *rapid.T) {
		a := Assignment{
			Pod: manifest.Pod{
				Namespace: str.Draw(t, "ns"), Name: str.Draw(t, "name"),
				Labels: strMap.Draw(t, "labels"), Annotations: strMap.Draw(t, "annotations"),
				Owner: str.Draw(t, "owner"), OwnerKind: str.Draw(t, "kind"), TemplateHash: str.Draw(t, "hash"),
				ConfigVersions: strMap.Draw(t, "versions"),
			},
			Node: str.Draw(t, "node"), PodIP: str.Draw(t, "ip"),
		}
		if rapid.Bool().Draw(t, "spec") {
			a.Pod.Spec.Containers = []corev1.Container{{Name: str.Draw(t, "container"), Image: str.Draw(t, "image")}}
		}
		value := MustJSON(a)
		if rapid.Bool().Draw(t, "change") {
			i := rapid.IntRange(0, len(value)-1).Draw(t, "at")
			value = append(bytes.Clone(value[:i]), append([]byte{rapid.Byte().Draw(t, "b")}, value[i+1:]...)...)
		}
		var want Assignment
		wantErr := json.Unmarshal(value, &want)
		var s SharedSpecs
		got, err := s.Decode(value)
		if (err != nil) != (wantErr != nil) {
			t.Fatalf("%s: error %v, json.Unmarshal's %v", value, err, wantErr)
		}
		if err == nil && !reflect.DeepEqual(got, want) {
			t.Fatalf("%s:\n got %+v\nwant %+v", value, got, want)
		}
	})
}

// The scan takes what this package writes, and leaves to encoding/json what it cannot
// read as json.Unmarshal would.
func TestScanReadsWhatThisPackageWrites(t *testing.T) {
	a := Assignment{Pod: manifest.Pod{Namespace: "shop", Name: "web-6cbd-x7k2p", Labels: map[string]string{"app": "web"},
		Owner: "web", TemplateHash: "6cbd", ConfigVersions: map[string]string{"configmap/x": "3"},
		Spec: corev1.PodSpec{Containers: []corev1.Container{{Name: "main", Image: "img:1", Args: []string{`a "quoted" {arg}`}}}}},
		Node: "n1", PodIP: "10.42.0.7"}
	value := MustJSON(a)
	var scanned, decoded assignmentWire
	if !scanAssignment(value, &scanned) {
		t.Fatalf("the scan refused %s", value)
	}
	if err := json.Unmarshal(value, &decoded); err != nil || !reflect.DeepEqual(scanned, decoded) {
		t.Fatalf("scanned %+v, decoded %+v (%v)", scanned, decoded, err)
	}
	for _, v := range []string{
		`{"pod":{"name":"a\u0062"},"node":"n"}`,
		`{"pod":{"name":"a"},"node":"n","Node":"m"}`,
		`{"pod":{"name":"a"},"node":"n","node":"m"}`,
		`{"pod":{"name":"a","name":"b"}}`,
		`{"pod":{"name":"a"}} x`,
		`{"pod":{"name":"a","spec":{"containers":[}}`,
		`{"pod":{"name":5}}`,
		`{"pod":{"name":null}}`,
		"{\"pod\":{\"name\":\"\xff\"}}",
		`{"pod":{"labels":"x"}}`,
		`{"pod":{"name":"a"},}`,
	} {
		var w assignmentWire
		if scanAssignment([]byte(v), &w) {
			t.Errorf("the scan took %s", v)
		}
	}
}
