package kubectl_test

import (
	"encoding/json"
	"net/http"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// toolManifest is a Deployment of one pod with two containers.
const toolManifest = `apiVersion: apps/v1
kind: Deployment
metadata:
  name: tool
spec:
  selector:
    matchLabels: {app: tool}
  template:
    metadata:
      labels: {app: tool}
    spec:
      containers:
        - name: main
          image: docker.io/library/alpine:3
        - name: side
          image: docker.io/library/alpine:3
`

// podCluster is two live agents whose pods their testRuntimes run, with the one pod of
// toolManifest placed on one of them: the tests of the pods' streams ask the other one,
// so that every request about the pod is passed on between the agents.
type podCluster struct {
	*cluster
	pod            string
	podNode, other *node
}

// startPodCluster starts the two agents, applies toolManifest and waits until both know
// where its pod is.
func startPodCluster(t *testing.T) *podCluster {
	t.Helper()
	c := startCluster(t, 2, withRuntimes())
	c.apply(toolManifest)
	var pod corev1.Pod
	eventually(t, 20*time.Second, "the pod is placed and both nodes know where", func() bool {
		for _, n := range c.nodes {
			var l corev1.PodList
			code, body := n.do(http.MethodGet, "/api/v1/pods", "", "")
			if code != http.StatusOK || json.Unmarshal(body, &l) != nil || len(l.Items) != 1 || l.Items[0].Spec.NodeName == "" {
				return false
			}
			pod = l.Items[0]
		}
		return true
	})
	pc := &podCluster{cluster: c, pod: pod.Name, podNode: c.nodes[0], other: c.nodes[1]}
	if pod.Spec.NodeName != "n0" {
		pc.podNode, pc.other = c.nodes[1], c.nodes[0]
	}
	return pc
}

// get asks the node that does not run the pod for path, with token.
func (pc *podCluster) get(token, path string) (int, string) {
	pc.t.Helper()
	code, body := pc.other.doAs(token, http.MethodGet, path, "", "")
	return code, string(body)
}

// statusOf decodes a Status answer; it fails the test when the answer is none.
func statusOf(t *testing.T, body string) metav1.Status {
	t.Helper()
	var st metav1.Status
	if err := json.Unmarshal([]byte(body), &st); err != nil || st.Kind != "Status" || st.APIVersion != "v1" {
		t.Fatalf("not a Status: %q (%v)", body, err)
	}
	return st
}
