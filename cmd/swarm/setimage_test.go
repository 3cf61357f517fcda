package main

import (
	"encoding/json"
	"testing"

	corev1 "k8s.io/api/core/v1"
)

// The patch of set image names each container it changes by name (init containers in
// their own list), * changes them all, and a name the pod does not have is refused.
func TestImagePatch(t *testing.T) {
	spec := &corev1.PodSpec{
		InitContainers: []corev1.Container{{Name: "migrate", Image: "m:1"}},
		Containers:     []corev1.Container{{Name: "web", Image: "w:1"}, {Name: "sidecar", Image: "s:1"}},
	}
	for _, tc := range []struct {
		pairs []string
		want  string
	}{
		{[]string{"web=w:2"}, `{"spec":{"template":{"spec":{"containers":[{"image":"w:2","name":"web"}]}}}}`},
		{[]string{"migrate=m:2", "sidecar=s:2"}, `{"spec":{"template":{"spec":{"containers":[{"image":"s:2","name":"sidecar"}],"initContainers":[{"image":"m:2","name":"migrate"}]}}}}`},
		{[]string{"*=x:9", "web=w:3"}, `{"spec":{"template":{"spec":{"containers":[{"image":"w:3","name":"web"},{"image":"x:9","name":"sidecar"}],"initContainers":[{"image":"x:9","name":"migrate"}]}}}}`},
	} {
		images, err := parseImages(tc.pairs)
		if err != nil {
			t.Fatal(err)
		}
		patch, err := imagePatch(spec, images)
		if err != nil {
			t.Fatalf("%v: %v", tc.pairs, err)
		}
		got, _ := json.Marshal(patch)
		if string(got) != tc.want {
			t.Errorf("%v:\n got %s\nwant %s", tc.pairs, got, tc.want)
		}
	}
	images, _ := parseImages([]string{"web=w:2", "db=d:1"})
	if _, err := imagePatch(spec, images); err == nil || err.Error() != `unable to find container named "db"` {
		t.Errorf("unknown container: %v", err)
	}
	for _, bad := range []string{"web", "=w:1", "web="} {
		if _, err := parseImages([]string{bad}); err == nil {
			t.Errorf("parseImages(%q) accepted", bad)
		}
	}
}
