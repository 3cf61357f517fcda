package apiserver

import (
	"testing"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"

	"github.com/podman-swarm/podman-swarm/agent/store"
	"github.com/podman-swarm/podman-swarm/manifest"
)

const daemonSetWithClaim = `apiVersion: apps/v1
kind: DaemonSet
metadata: {name: cache}
spec:
  selector: {matchLabels: {app: cache}}
  template:
    metadata: {labels: {app: cache}}
    spec:
      containers: [{name: c, image: i}]
      volumes: [{name: a, persistentVolumeClaim: {claimName: nope}}]
`

func TestCheckClaimsOfADaemonSet(t *testing.T) {
	errs := checkClaims(&store.State{Claims: map[string]*corev1.PersistentVolumeClaim{}}, parseSet(t, daemonSetWithClaim))
	if len(errs) != 1 || errs[0].Error() != `app.yaml: document 1 (DaemonSet cache): spec.template.spec.volumes[0].persistentVolumeClaim.claimName: persistentvolumeclaim "nope" not found` {
		t.Errorf("errors = %v", errs)
	}
}

// A DaemonSet's pod names its owner's kind, and a Deployment of the same name counts none
// of its pods.
func TestDaemonSetPodOwner(t *testing.T) {
	set := parseSet(t, `apiVersion: apps/v1
kind: DaemonSet
metadata: {name: web}
spec:
  selector: {matchLabels: {app: web}}
  template:
    metadata: {labels: {app: web}}
    spec: {containers: [{name: c, image: i}]}
---
apiVersion: apps/v1
kind: Deployment
metadata: {name: web}
spec:
  replicas: 2
  selector: {matchLabels: {app: web}}
  template:
    metadata: {labels: {app: web}}
    spec: {containers: [{name: c, image: i}]}
`)
	mp := manifest.DaemonSetPod(set.Objects[0].DaemonSet, "n1", nil)
	p := podObject(mp)
	if len(p.OwnerReferences) != 1 || p.OwnerReferences[0].Kind != "DaemonSet" || p.OwnerReferences[0].Name != "web" {
		t.Errorf("ownerReferences = %+v", p.OwnerReferences)
	}
	st := &store.State{
		Deployments: map[string]*appsv1.Deployment{"default/web": set.Objects[1].Deployment},
		Assignments: map[string]store.Assignment{mp.Key(): {Pod: mp, Node: "n1"}},
		Status:      map[string]store.PodStatus{},
		Rollouts:    map[string]store.Rollout{},
		Pending:     map[string]store.Pending{},
	}
	d := deploymentViews(st, "", "")[0]
	if got := d.(*appsv1.Deployment).Status.Replicas; got != 0 {
		t.Errorf("the Deployment counts %d pods, want none of the DaemonSet's", got)
	}
	if missing := missingPods(st, ""); len(missing) != 2 {
		t.Errorf("missing pods = %d, want the Deployment's 2", len(missing))
	}
}
