package quadlet

import (
	"errors"
	"testing"

	"github.com/podman-swarm/podman-swarm/manifest"
)

func TestCheck(t *testing.T) {
	doc := `apiVersion: apps/v1
kind: Deployment
metadata: {name: web}
spec:
  replicas: 3
  selector: {matchLabels: {app: web}}
  template:
    metadata: {labels: {app: web}}
    spec:
      volumes: [{name: s, nfs: {server: nfs.example, path: /x}}]
      containers: [{name: c, image: i, volumeMounts: [{name: s, mountPath: /s}]}]
---
apiVersion: v1
kind: Pod
metadata: {name: ok}
spec:
  containers: [{name: c, image: i}]
`
	set, err := manifest.Parse(manifest.Input{Name: "app.yaml", Data: []byte(doc)})
	if err != nil {
		t.Fatal(err)
	}
	err = Check(set, Options{})
	var errs manifest.Errors
	if !errors.As(err, &errs) || len(errs) != 1 {
		t.Fatalf("Check = %v", err)
	}
	want := `app.yaml: document 1 (Deployment web): spec.template.spec.volumes[0].nfs: cannot run on a node: volume "s" has type nfs, which is not supported; only emptyDir, hostPath, configMap, secret and persistentVolumeClaim volumes are`
	if errs[0].Error() != want {
		t.Errorf("error:\n got %s\nwant %s", errs[0], want)
	}
}

// A bare Pod's fields are named as written; a Deployment's, under its template.
func TestCheckFieldPaths(t *testing.T) {
	doc := `apiVersion: v1
kind: Pod
metadata: {name: bare}
spec:
  containers: [{name: c, image: i, securityContext: {privileged: true}}]
---
apiVersion: apps/v1
kind: Deployment
metadata: {name: web}
spec:
  selector: {matchLabels: {app: web}}
  template:
    metadata: {labels: {app: web}}
    spec:
      containers: [{name: c, image: i, securityContext: {privileged: true}}]
`
	set, err := manifest.Parse(manifest.Input{Name: "app.yaml", Data: []byte(doc)})
	if err != nil {
		t.Fatal(err)
	}
	var errs manifest.Errors
	if err := Check(set, Options{}); !errors.As(err, &errs) || len(errs) != 2 {
		t.Fatalf("Check = %v", err)
	}
	reason := "cannot run on a node: not supported: rootless pods cannot run privileged containers"
	for i, field := range []string{"spec.containers[0].securityContext.privileged", "spec.template.spec.containers[0].securityContext.privileged"} {
		if errs[i].Field != field || errs[i].Reason != reason {
			t.Errorf("error %d: field %q, reason %q; want %q, %q", i, errs[i].Field, errs[i].Reason, field, reason)
		}
	}
}

func TestTemplateField(t *testing.T) {
	for _, tc := range []struct{ in, want string }{
		{"spec.containers[0].image", "spec.template.spec.containers[0].image"},
		{"metadata.labels", "spec.template.metadata.labels"},
		{`metadata.labels["app.spec.io/x"]`, `spec.template.metadata.labels["app.spec.io/x"]`},
		{"metadata", "metadata"},
		{"options.Network", "options.Network"},
	} {
		if got := templateField(tc.in); got != tc.want {
			t.Errorf("templateField(%q) = %q, want %q", tc.in, got, tc.want)
		}
	}
}
