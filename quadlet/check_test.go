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
      volumes: [{name: s, secret: {secretName: x}}]
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
	want := `app.yaml: document 1 (Deployment web): spec.template.spec.volumes[0].secret: cannot run on a node: volume "s" has type secret, which is not supported; only emptyDir and hostPath volumes are`
	if errs[0].Error() != want {
		t.Errorf("error:\n got %s\nwant %s", errs[0], want)
	}
}
