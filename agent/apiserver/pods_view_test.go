package apiserver_test

import (
	"bytes"
	"encoding/json"
	"net/http"
	"strings"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"

	"github.com/podman-swarm/podman-swarm/api"
)

const soloManifest = `apiVersion: v1
kind: Pod
metadata: {name: solo, labels: {app: solo}}
spec:
  terminationGracePeriodSeconds: 7
  containers:
  - {name: main, image: localhost/solo:1}
`

// The answers that read a pod's typed form of the view (which keeps pods encoded only)
// read the pod it serves: describe answers the pod GET answers, a delete's warning names
// the pod's own grace period, and a pod a Deployment owns is refused naming it.
func TestPodsReadOfTheView(t *testing.T) {
	k := startKubeAgent(t)
	k.apply(webManifest)
	k.apply(soloManifest)
	var solo corev1.Pod
	eventually(t, "the bare pod placed", func() bool {
		code, data := k.request(http.MethodGet, "/api/v1/namespaces/default/pods/solo", k.admin, "application/json", nil)
		return code == http.StatusOK && json.Unmarshal(data, &solo) == nil && solo.Spec.NodeName != ""
	})
	var web corev1.Pod
	eventually(t, "a pod of web placed", func() bool {
		for _, p := range k.pods() {
			if strings.HasPrefix(p.Name, "web-") && p.Spec.NodeName != "" {
				web = p
				return true
			}
		}
		return false
	})

	// describe: the pod as served, and its node.
	for _, p := range []corev1.Pod{solo, web} {
		var d api.PodDescription
		k.get("/api/v1/pods/default/"+p.Name, "application/json", &d)
		var served corev1.Pod
		k.get("/api/v1/namespaces/default/pods/"+p.Name, "application/json", &served)
		got, _ := json.Marshal(d.Pod)
		want, _ := json.Marshal(served)
		if d.Node != served.Spec.NodeName || !bytes.Equal(got, want) {
			t.Errorf("describe %s: on %q\n%s\nGET:\n%s", p.Name, d.Node, got, want)
		}
	}

	// A delete's grace period that is not honoured is answered with the pod's own.
	req, err := http.NewRequest(http.MethodDelete, k.base+"/api/v1/namespaces/default/pods/solo?gracePeriodSeconds=1&dryRun=All", nil)
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Authorization", "Bearer "+k.admin)
	resp, err := (&http.Client{Timeout: 10 * time.Second}).Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if w := resp.Header.Get("Warning"); resp.StatusCode != http.StatusOK || !strings.Contains(w, "terminationGracePeriodSeconds (7 s)") {
		t.Errorf("dry-run delete of solo: %d, warning %q", resp.StatusCode, w)
	}

	// A pod its Deployment owns is refused, naming the Deployment.
	k.wantStatus(http.MethodDelete, "/api/v1/namespaces/default/pods/"+web.Name, k.admin, http.StatusMethodNotAllowed,
		"MethodNotAllowed", "Deployment web makes its pods from its template")
}
