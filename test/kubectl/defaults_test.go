package kubectl_test

import (
	"encoding/json"
	"strings"
	"testing"
	"time"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
)

// defaultsManifest is a Deployment that leaves every field Kubernetes defaults unset, and a
// Service of it.
const defaultsManifest = `apiVersion: apps/v1
kind: Deployment
metadata: {name: api}
spec:
  selector: {matchLabels: {app: api}}
  template:
    metadata: {labels: {app: api}}
    spec:
      containers:
      - name: api
        image: localhost/api
        ports: [{name: http, containerPort: 8080}]
        readinessProbe:
          httpGet: {path: /healthz, port: http}
---
apiVersion: v1
kind: Service
metadata: {name: api}
spec:
  selector: {app: api}
  ports: [{port: 80}]
`

// TestKubectlShowsDefaults: kubectl describes and reads the objects with the defaults the
// API server would have set, as a real cluster serves them.
func TestKubectlShowsDefaults(t *testing.T) {
	c := startCluster(t, 1)
	c.apply(defaultsManifest)
	var pod string
	eventually(t, 10*time.Second, "the Deployment's pod is placed", func() bool {
		out, _, err := c.run("get", "pods", "-l", "app=api", "-o", "name")
		pod = strings.TrimSpace(out)
		return err == nil && pod != ""
	})

	describePod := c.mustRun("describe", pod)
	t.Logf("kubectl describe %s:\n%s", pod, describePod)
	for _, want := range []string{
		"Port: 8080/TCP",
		"Readiness: http-get http://:http/healthz delay=0s timeout=1s period=10s #success=1 #failure=3",
	} {
		if !strings.Contains(collapse(describePod), want) {
			t.Errorf("kubectl describe %s does not say %q", pod, want)
		}
	}
	describeDeploy := c.mustRun("describe", "deployment", "api")
	t.Logf("kubectl describe deployment api:\n%s", describeDeploy)
	for _, want := range []string{
		"StrategyType: RollingUpdate",
		"RollingUpdateStrategy: 25% max unavailable, 25% max surge",
		"Port: 8080/TCP",
		"Readiness: http-get http://:http/healthz delay=0s timeout=1s period=10s #success=1 #failure=3",
	} {
		if !strings.Contains(collapse(describeDeploy), want) {
			t.Errorf("kubectl describe deployment api does not say %q", want)
		}
	}

	var d appsv1.Deployment
	if err := json.Unmarshal([]byte(c.mustRun("get", "deployment", "api", "-o", "json")), &d); err != nil {
		t.Fatal(err)
	}
	if d.Spec.Replicas == nil || *d.Spec.Replicas != 1 || d.Spec.RevisionHistoryLimit == nil || *d.Spec.RevisionHistoryLimit != 10 ||
		d.Spec.ProgressDeadlineSeconds == nil || *d.Spec.ProgressDeadlineSeconds != 600 {
		t.Errorf("the Deployment's spec has not Kubernetes' defaults: %+v", d.Spec)
	}
	ps := d.Spec.Template.Spec
	if ps.RestartPolicy != corev1.RestartPolicyAlways || ps.DNSPolicy != corev1.DNSClusterFirst || ps.SchedulerName != "default-scheduler" ||
		ps.TerminationGracePeriodSeconds == nil || *ps.TerminationGracePeriodSeconds != 30 || ps.SecurityContext == nil ||
		ps.Containers[0].ImagePullPolicy != corev1.PullAlways {
		t.Errorf("the Deployment's template has not Kubernetes' defaults: %+v", ps)
	}
	// The last-applied configuration is what was applied, without the defaults.
	if last := d.Annotations[corev1.LastAppliedConfigAnnotation]; strings.Contains(last, "RollingUpdate") || strings.Contains(last, "TCP") {
		t.Errorf("the last-applied configuration holds defaults: %s", last)
	}

	var svc corev1.Service
	if err := json.Unmarshal([]byte(c.mustRun("get", "service", "api", "-o", "json")), &svc); err != nil {
		t.Fatal(err)
	}
	if svc.Spec.Type != corev1.ServiceTypeClusterIP || svc.Spec.SessionAffinity != corev1.ServiceAffinityNone ||
		svc.Spec.Ports[0].Protocol != corev1.ProtocolTCP || svc.Spec.Ports[0].TargetPort.IntValue() != 80 ||
		len(svc.Spec.IPFamilies) != 1 || svc.Spec.IPFamilies[0] != corev1.IPv4Protocol {
		t.Errorf("the Service's spec has not Kubernetes' defaults: %+v", svc.Spec)
	}
}

// collapse is s with each run of spaces one space, as kubectl aligns its columns.
func collapse(s string) string {
	lines := strings.Split(s, "\n")
	for i, l := range lines {
		lines[i] = strings.Join(strings.Fields(l), " ")
	}
	return strings.Join(lines, "\n")
}

// statefulSetManifest is a StatefulSet that leaves the fields Kubernetes defaults unset.
const statefulSetManifest = `apiVersion: apps/v1
kind: StatefulSet
metadata: {name: db}
spec:
  serviceName: db
  selector: {matchLabels: {app: db}}
  template:
    metadata: {labels: {app: db}}
    spec:
      containers:
      - name: db
        image: localhost/db:1
`

// kubectl get -o yaml | kubectl replace -f -: the object goes back with the defaults it
// was shown with, and is taken as the same object: the Deployment's pod keeps its template
// (no rollout), and a StatefulSet's fields that may not change are not taken for changes.
func TestKubectlReplaceOfWhatItRead(t *testing.T) {
	c := startCluster(t, 1)
	c.apply(defaultsManifest + "---\n" + statefulSetManifest)
	pods := func() string {
		out, _, _ := c.run("get", "pods", "-o", "name")
		return strings.Join(strings.Fields(out), " ")
	}
	eventually(t, 10*time.Second, "the pods of api and db placed", func() bool {
		p := pods()
		return strings.Contains(p, "pod/api-") && strings.Contains(p, "pod/db-0")
	})
	before := pods()
	for _, obj := range []string{"deployment/api", "statefulset/db"} {
		shown := c.mustRun("get", obj, "-o", "yaml")
		out, errOut, err := c.nodes[0].kubectl(shown, "replace", "-f", "-")
		if err != nil || !strings.HasSuffix(strings.TrimSpace(out), " replaced") {
			t.Errorf("kubectl replace of %s as read: %v\n%s%s", obj, err, out, errOut)
		}
	}
	time.Sleep(time.Second) // a rollout the replace started would have replaced the pod by now
	if after := pods(); after != before {
		t.Errorf("the replace of the objects as read changed their pods: %s, were %s", after, before)
	}
}
