package apiserver

import (
	"bytes"
	"encoding/json"
	"testing"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/podman-swarm/podman-swarm/api"
)

// A list put together from objects encoded one by one is, byte for byte, what encoding
// api.List (as echo's c.JSON does) writes.
func TestListBodyIsTheEncodedList(t *testing.T) {
	pods := []*corev1.Pod{
		{TypeMeta: metav1.TypeMeta{APIVersion: "v1", Kind: "Pod"}, ObjectMeta: metav1.ObjectMeta{Namespace: "a", Name: "<p>", ResourceVersion: "5"}},
		{TypeMeta: metav1.TypeMeta{APIVersion: "v1", Kind: "Pod"}, ObjectMeta: metav1.ObjectMeta{Namespace: "b", Name: "q", Labels: map[string]string{"x": "&"}}},
	}
	for _, items := range [][]*corev1.Pod{nil, pods[:1], pods} {
		var encoded [][]byte
		var values []any
		for _, p := range items {
			data, err := json.Marshal(p)
			if err != nil {
				t.Fatal(err)
			}
			encoded = append(encoded, data)
			values = append(values, p)
		}
		l := api.NewList(values)
		l.Metadata.ResourceVersion = "1733000000000042"
		var want bytes.Buffer
		if err := json.NewEncoder(&want).Encode(l); err != nil {
			t.Fatal(err)
		}
		if got := listBody(1733000000000042, encoded); !bytes.Equal(got, want.Bytes()) {
			t.Errorf("%d items:\n got %s\nwant %s", len(items), got, want.Bytes())
		}
	}
}
