package e2e

import (
	"encoding/json"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"
)

// rollClientPort is the hostPort of the roll scene's client pod on n1.
const rollClientPort = 9093

// rollManifest is the rollout scene: roll, a Deployment of three test servers whose
// readiness (/ready) and liveness (/healthz) are separate probes, which shut down gracefully
// and roll back by themselves when a rollout misses its 20 s progress deadline; a Service
// and an Ingress in front of it; and a client pod on n1 that sends load from inside the
// cluster. round goes into the template's env (a change of it is a rollout), image is the
// test server's tag.
func rollManifest(replicas, round int, tag string) string {
	return fmt.Sprintf(`apiVersion: apps/v1
kind: Deployment
metadata:
  name: roll
  annotations: {swarm.podman.io/rollback-on-failure: "true"}
spec:
  replicas: %d
  progressDeadlineSeconds: 20
  strategy: {type: RollingUpdate, rollingUpdate: {maxSurge: 1, maxUnavailable: 0}}
  selector: {matchLabels: {app: roll}}
  template:
    metadata: {labels: {app: roll}}
    spec:
      terminationGracePeriodSeconds: 15
      containers:
        - name: server
          image: localhost/swarm-testserver:%s
          imagePullPolicy: Never
          args: ["--listen", ":8080", "--shutdown-delay", "2s"]
          env:
            - {name: POD_NAME, valueFrom: {fieldRef: {fieldPath: metadata.name}}}
            - {name: NODE_NAME, valueFrom: {fieldRef: {fieldPath: spec.nodeName}}}
            - {name: ROUND, value: "%d"}
          ports: [{name: http, containerPort: 8080}]
          readinessProbe: {httpGet: {path: /ready, port: http}, periodSeconds: 1, failureThreshold: 1}
          livenessProbe: {httpGet: {path: /healthz, port: http}, periodSeconds: 2, failureThreshold: 3}
          lifecycle: {preStop: {sleep: {seconds: 1}}}
---
apiVersion: v1
kind: Service
metadata: {name: roll}
spec:
  selector: {app: roll}
  ports: [{name: http, port: 80, targetPort: http}]
---
apiVersion: networking.k8s.io/v1
kind: Ingress
metadata: {name: roll}
spec:
  rules:
    - host: roll.example.test
      http:
        paths:
          - {path: /, pathType: Prefix, backend: {service: {name: roll, port: {number: 80}}}}
---
`, replicas, tag, round) + serverPod("rollclient", 1, rollClientPort, rollClientPort)
}

// helloRoll matches an answer of a roll replica.
var helloRoll = regexp.MustCompile(`^hello from (roll-\S+) on (n\d)\n$`)

// rollPod is what the rollout tests read of a pod.
type rollPod struct {
	Metadata struct{ Name string }
	Spec     struct {
		NodeName   string
		Containers []struct {
			Image string
			Env   []struct{ Name, Value string }
		}
	}
	Status struct {
		Phase             string
		PodIP             string
		Conditions        []struct{ Type, Status string }
		ContainerStatuses []struct {
			Ready        bool
			RestartCount int
		}
	}
}

// ready says whether the pod runs and its Ready condition is true.
func (p rollPod) ready() bool {
	return p.Status.Phase == "Running" && slices.ContainsFunc(p.Status.Conditions, func(c struct{ Type, Status string }) bool {
		return c.Type == "Ready" && c.Status == "True"
	})
}

// template is the pod's image tag and ROUND.
func (p rollPod) template() string {
	if len(p.Spec.Containers) != 1 {
		return "?"
	}
	return containerTemplate(p.Spec.Containers[0].Image, p.Spec.Containers[0].Env)
}

func (p rollPod) restarts() int {
	if len(p.Status.ContainerStatuses) != 1 {
		return -1
	}
	return p.Status.ContainerStatuses[0].RestartCount
}

// containerTemplate names a template by what the tests change in it: "TAG/ROUND".
func containerTemplate(image string, env []struct{ Name, Value string }) string {
	round := ""
	for _, e := range env {
		if e.Name == "ROUND" {
			round = e.Value
		}
	}
	_, tag, _ := strings.Cut(image, ":")
	return tag + "/" + round
}

// rollPods lists the roll pods, as node 1's API has them.
func rollPods(t *testing.T) []rollPod {
	t.Helper()
	out, err := swarmCLI(1, "get", "pods", "-o", "json")
	if err != nil {
		t.Fatalf("swarm get pods: %v\n%s", err, out)
	}
	var l struct{ Items []rollPod }
	if err := json.Unmarshal([]byte(out), &l); err != nil {
		t.Fatalf("decode pods: %v\n%s", err, out)
	}
	var pods []rollPod
	for _, p := range l.Items {
		if strings.HasPrefix(p.Metadata.Name, "roll-") {
			pods = append(pods, p)
		}
	}
	return pods
}

// rollTemplate is the roll Deployment's current template, "TAG/ROUND", and its replicas.
func rollTemplate(t *testing.T) (string, int) {
	t.Helper()
	out, err := swarmCLI(1, "get", "deployment", "roll", "-o", "json")
	if err != nil {
		t.Fatalf("swarm get deployment roll: %v\n%s", err, out)
	}
	var d struct {
		Spec struct {
			Replicas int
			Template struct {
				Spec struct {
					Containers []struct {
						Image string
						Env   []struct{ Name, Value string }
					}
				}
			}
		}
	}
	if err := json.Unmarshal([]byte(out), &d); err != nil || len(d.Spec.Template.Spec.Containers) != 1 {
		t.Fatalf("decode deployment roll: %v\n%s", err, out)
	}
	c := d.Spec.Template.Spec.Containers[0]
	return containerTemplate(c.Image, c.Env), d.Spec.Replicas
}

// waitRoll waits until exactly n roll pods exist, all ready, all on template.
func waitRoll(t *testing.T, within time.Duration, n int, template string) []rollPod {
	t.Helper()
	var pods []rollPod
	eventually(t, within, fmt.Sprintf("exactly %d roll pods, ready, on %s", n, template), func() (bool, string) {
		pods = rollPods(t)
		good := 0
		for _, p := range pods {
			if p.ready() && p.template() == template {
				good++
			}
		}
		out, _ := swarmCLI(1, "get", "pods", "-o", "wide")
		return good == n && len(pods) == n, out
	})
	return pods
}

// rolloutStatus runs swarm rollout status deployment/roll from n1.
func rolloutStatus(within time.Duration) (string, error) {
	return swarmCLI(1, "rollout", "status", "deployment/roll", "--timeout", within.String())
}

// fromRollClient asks the roll scene's client pod for path.
func fromRollClient(path string) (string, error) {
	return httpGet(1, fmt.Sprintf("http://%s:%d%s", nodeAddr(1), rollClientPort, path))
}

// rollScene applies the scene at round 0 and waits until its replicas are ready, its
// client pod answers and reaches the Service's ClusterIP, and every node's ingress answers
// for roll.example.test. It deletes the scene when the test ends.
func rollScene(t *testing.T) (clusterIP string) {
	t.Helper()
	file := filepath.Join(t.TempDir(), "roll.yaml")
	if err := os.WriteFile(file, []byte(rollManifest(3, 0, "latest")), 0o644); err != nil {
		t.Fatal(err)
	}
	if out, err := swarmCLI(1, "apply", "-f", file); err != nil {
		t.Fatalf("swarm apply: %v\n%s", err, out)
	}
	t.Cleanup(func() {
		if out, err := swarmCLI(1, "delete", "-f", file); err != nil {
			t.Errorf("swarm delete -f: %v\n%s", err, out)
		}
		// The tests after this one count the cluster's pods: leave none behind.
		eventually(t, 2*time.Minute, "the roll scene's pods are gone", func() (bool, string) {
			left := 0
			for _, p := range getPodsFrom(t, 1) {
				if strings.HasPrefix(p.Metadata.Name, "roll-") || p.Metadata.Name == "rollclient" {
					left++
				}
			}
			n, all := rollContainers(t)
			return left == 0 && n == 0, fmt.Sprint(left, " in the API\n", all)
		})
	})
	waitRoll(t, 3*time.Minute, 3, "latest/0")
	clusterIP = getService(t, "roll").Spec.ClusterIP
	eventually(t, 90*time.Second, "the client pod reaches roll through its ClusterIP", func() (bool, string) {
		body, err := fromRollClient("/fetch?url=" + url.QueryEscape("http://"+clusterIP+"/"))
		return err == nil && helloRoll.MatchString(body), fmt.Sprint(body, err)
	})
	for i := 1; i <= nodeCount; i++ {
		eventually(t, 30*time.Second, fmt.Sprintf("node %d's ingress answers for roll.example.test", i), func() (bool, string) {
			body, err := httpGetHost(i, "http://"+nodeAddr(i)+"/", "roll.example.test")
			return err == nil && helloRoll.MatchString(body), fmt.Sprint(body, err)
		})
	}
	return clusterIP
}

// podLoad is the client pod's load generator, through the test server's /load endpoints.
func podLoadStart(t *testing.T, target string, rate int) {
	t.Helper()
	if out, err := fromRollClient(fmt.Sprintf("/load/start?rate=%d&url=%s", rate, url.QueryEscape(target))); err != nil {
		t.Fatalf("start the load in the client pod: %v\n%s", err, out)
	}
}

// podLoadRead is the client pod's load so far (path /load/status) or at its end (/load/stop).
func podLoadRead(path string) (loadCounts, error) {
	out, err := fromRollClient(path)
	var c loadCounts
	if err == nil {
		err = json.Unmarshal([]byte(out), &c)
	}
	if err != nil {
		return c, fmt.Errorf("GET %s in the client pod: %v: %s", path, err, out)
	}
	return c, nil
}

// rollContainers counts the roll containers that run on the nodes, whatever the API says:
// a pod scaled away leaves the API at once and stops on its node a few seconds later.
func rollContainers(t *testing.T) (int, string) {
	t.Helper()
	n, all := 0, ""
	for i := 1; i <= nodeCount; i++ {
		out, err := onNode(i, "podman", "ps", "--format", "{{.Names}}", "--filter", "name=^swarm-default_roll-")
		if err != nil {
			t.Fatalf("podman ps on node %d: %v\n%s", i, err, out)
		}
		for _, name := range strings.Fields(out) {
			if strings.HasSuffix(name, "_server") {
				n++
				all += fmt.Sprintf("%s on n%d\n", name, i)
			}
		}
	}
	return n, all
}
