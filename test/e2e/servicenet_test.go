package e2e

import (
	"encoding/json"
	"fmt"
	"net/netip"
	"net/url"
	"os/exec"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"
)

// netManifest is the Service networking scene: alpha (one pod on n1, one on n2) and beta
// (one pod on n2) all listen on 8080 (TCP, named http) and answer UDP on 5353 (named echo),
// so two Deployments share port 8080 on n2; Services of every kind in front of them; and a
// client pod on n1 whose explicit hostPort 9091 lets the test ask it to connect from inside.
func netManifest(alphaOnN2 int) string {
	return serverDeployment("alpha-n1", "alpha", 1, 1) + serverDeployment("alpha-n2", "alpha", 2, alphaOnN2) +
		serverDeployment("beta", "beta", 2, 1) + `apiVersion: v1
kind: Service
metadata: {name: alpha}
spec:
  selector: {app: alpha}
  ports:
    - {name: http, port: 80, targetPort: http}
    - {name: echo, port: 53, targetPort: echo, protocol: UDP}
---
apiVersion: v1
kind: Service
metadata: {name: alpha-pods}
spec:
  clusterIP: None
  selector: {app: alpha}
  ports: [{name: http, port: 8080}]
---
apiVersion: v1
kind: Service
metadata: {name: beta}
spec:
  selector: {app: beta}
  ports: [{port: 80, targetPort: 8080}]
---
apiVersion: v1
kind: Service
metadata: {name: alpha-np}
spec:
  type: NodePort
  selector: {app: alpha}
  ports: [{port: 80, targetPort: http, nodePort: 30080}]
---
apiVersion: v1
kind: Service
metadata: {name: beta-lb}
spec:
  type: LoadBalancer
  selector: {app: beta}
  ports: [{port: 8088, targetPort: 8080}]
---
apiVersion: v1
kind: Pod
metadata: {name: netclient, labels: {app: netclient}}
spec:
  nodeSelector: {node: n1}
  containers:
    - name: server
      image: localhost/swarm-testserver:latest
      imagePullPolicy: Never
      args: ["--listen", ":9091"]
      ports: [{containerPort: 9091, hostPort: 9091}]
`
}

// serverDeployment is a Deployment of the test server (label app=APP), pinned to node:
// HTTP on 8080 (port http), a UDP echo on 5353 (port echo), ready when /healthz answers.
func serverDeployment(name, app string, node, replicas int) string {
	return fmt.Sprintf(`apiVersion: apps/v1
kind: Deployment
metadata: {name: %s}
spec:
  replicas: %d
  selector: {matchLabels: {app: %s, node: %s}}
  template:
    metadata: {labels: {app: %s, node: %s}}
    spec:
      nodeSelector: {node: %s}
      containers:
        - name: server
          image: localhost/swarm-testserver:latest
          imagePullPolicy: Never
          args: ["--listen", ":8080", "--udp", ":5353"]
          env:
            - {name: POD_NAME, valueFrom: {fieldRef: {fieldPath: metadata.name}}}
            - {name: NODE_NAME, valueFrom: {fieldRef: {fieldPath: spec.nodeName}}}
          ports:
            - {name: http, containerPort: 8080}
            - {name: echo, containerPort: 5353, protocol: UDP}
          readinessProbe: {httpGet: {path: /healthz, port: http}, periodSeconds: 1}
---
`, name, replicas, app, nodeName(node), app, nodeName(node), nodeName(node))
}

// inClient asks the netclient pod on n1 for path: what it answers was done inside the pod.
func inClient(path string) (string, error) {
	return httpGet(1, "http://"+nodeAddr(1)+":9091"+path)
}

// fetchInClient is the body of GET u from inside the client pod.
func fetchInClient(u string) (string, error) {
	return inClient("/fetch?url=" + url.QueryEscape(u))
}

// helloAny matches the test server's answer and captures the pod and its node.
var helloAny = regexp.MustCompile(`^hello from (\S+) on (n\d)\n$`)

// answeringPods GETs u from inside the client pod n times and counts the answers per pod.
func answeringPods(t *testing.T, u string, n int, fetch func(string) (string, error)) map[string]int {
	t.Helper()
	seen := map[string]int{}
	for range n {
		body, err := fetch(u)
		m := helloAny.FindStringSubmatch(body)
		if err != nil || m == nil {
			t.Fatalf("from inside the client pod, %s: %q %v", u, body, err)
		}
		seen[m[1]]++
	}
	return seen
}

// service is what the tests read of `swarm get service NAME -o json`.
type service struct {
	Spec struct {
		Type      string
		ClusterIP string
		Ports     []struct {
			Name     string
			Port     int
			NodePort int
		}
	}
	Status struct {
		LoadBalancer struct {
			Ingress []struct{ IP string }
		}
	}
}

func getService(t *testing.T, name string) service {
	t.Helper()
	out, err := swarmCLI(1, "get", "service", name, "-o", "json")
	if err != nil {
		t.Fatalf("swarm get service %s: %v\n%s", name, err, out)
	}
	var s service
	if err := json.Unmarshal([]byte(out), &s); err != nil {
		t.Fatalf("decode service %s: %v\n%s", name, err, out)
	}
	return s
}

// podIPs maps the pods whose name starts with prefix to their pod IP, as the API shows it.
func podIPs(t *testing.T, prefix string) map[string]string {
	t.Helper()
	out, err := swarmCLI(1, "get", "pods", "-o", "json")
	if err != nil {
		t.Fatalf("swarm get pods: %v\n%s", err, out)
	}
	var l struct {
		Items []struct {
			Metadata struct{ Name string }
			Status   struct {
				Phase      string
				PodIP      string
				Conditions []struct{ Type, Status string }
			}
		}
	}
	if err := json.Unmarshal([]byte(out), &l); err != nil {
		t.Fatalf("decode pods: %v\n%s", err, out)
	}
	ips := map[string]string{}
	for _, p := range l.Items {
		ready := slices.ContainsFunc(p.Status.Conditions, func(c struct{ Type, Status string }) bool {
			return c.Type == "Ready" && c.Status == "True"
		})
		if strings.HasPrefix(p.Metadata.Name, prefix) && p.Status.Phase == "Running" && ready {
			ips[p.Metadata.Name] = p.Status.PodIP
		}
	}
	return ips
}

// waitNetScene applies the scene and waits until its pods are ready and its Services have
// their addresses.
func waitNetScene(t *testing.T, alphaOnN2 int) {
	t.Helper()
	apply(t, netManifest(alphaOnN2))
	eventually(t, 3*time.Minute, "the alpha, beta and netclient pods are Running and ready", func() (bool, string) {
		alpha, beta, client := podIPs(t, "alpha-"), podIPs(t, "beta-"), podIPs(t, "netclient")
		out, _ := swarmCLI(1, "get", "pods", "-o", "wide")
		return len(alpha) == 1+alphaOnN2 && len(beta) == 1 && len(client) == 1, out
	})
	eventually(t, 20*time.Second, "the client pod answers on its hostPort", func() (bool, string) {
		out, err := inClient("/healthz")
		return err == nil, fmt.Sprint(out, err)
	})
	// A pod is ready a moment before every node's rules send to it, as Kubernetes' proxies
	// follow the endpoints: the scene is set once the client's node sends alpha's traffic
	// to every alpha pod.
	start, alpha := time.Now(), podIPs(t, "alpha-")
	eventually(t, 20*time.Second, "the client's node sends alpha's traffic to every alpha pod", func() (bool, string) {
		seen := map[string]bool{}
		for range 20 {
			if m := helloAny.FindStringSubmatch(bodyOrNothing(fetchInClient("http://alpha/"))); m != nil {
				seen[m[1]] = true
			}
		}
		return len(seen) == len(alpha), fmt.Sprintf("reached %v of %v", seen, alpha)
	})
	t.Logf("the client's node sent to every alpha pod %v after they were all ready", time.Since(start).Round(100*time.Millisecond))
}

// bodyOrNothing is the body of a fetch, "" when it failed.
func bodyOrNothing(body string, err error) string {
	if err != nil {
		return ""
	}
	return body
}

// The whole Service model, from inside a pod: ClusterIPs by short name, FQDN and address on
// the Service port (TCP and UDP, named and numbered targetPorts), reaching pods on the same
// node and on others; two Deployments on 8080 on one node; pods' own IPs (the pod sees its
// own, others reach it at it, a headless Service answers them); the rules survive a restart
// of the pod; NodePort and LoadBalancer from outside the nodes; no CAP_NET_ADMIN in pods.
func TestServiceNetworking(t *testing.T) {
	needRig(t)
	waitNetScene(t, 1)

	alpha := getService(t, "alpha")
	cidr := netip.MustParsePrefix("10.43.0.0/16")
	ip, err := netip.ParseAddr(alpha.Spec.ClusterIP)
	if err != nil || !cidr.Contains(ip) {
		t.Fatalf("alpha's clusterIP %q is not in %s", alpha.Spec.ClusterIP, cidr)
	}
	if beta := getService(t, "beta"); beta.Spec.ClusterIP == alpha.Spec.ClusterIP || beta.Spec.ClusterIP == "" {
		t.Fatalf("beta's clusterIP %q (alpha has %q)", beta.Spec.ClusterIP, alpha.Spec.ClusterIP)
	}
	if out, err := swarmCLI(1, "get", "services"); err != nil || !strings.Contains(out, "CLUSTER-IP") || !strings.Contains(out, alpha.Spec.ClusterIP) {
		t.Errorf("swarm get services does not show CLUSTER-IP %s: %v\n%s", alpha.Spec.ClusterIP, err, out)
	}
	dnsAnswersIn(t, "alpha.default.svc.cluster.local", []string{alpha.Spec.ClusterIP})

	alphaPods := podIPs(t, "alpha-")
	for _, u := range []string{"http://alpha/", "http://alpha.default.svc.cluster.local:80/", "http://" + alpha.Spec.ClusterIP + ":80/"} {
		seen := answeringPods(t, u, 30, fetchInClient)
		if len(seen) != len(alphaPods) {
			t.Errorf("%s from n1's client pod reached %v, want every alpha pod (same node and other node) %v", u, seen, alphaPods)
		}
	}
	udp := func(u string) (string, error) { return inClient("/udp?addr=" + url.QueryEscape(u)) }
	if seen := answeringPods(t, "alpha:53", 30, udp); len(seen) != len(alphaPods) {
		t.Errorf("UDP alpha:53 reached %v, want every alpha pod %v", seen, alphaPods)
	}
	if seen := answeringPods(t, "http://beta/", 5, fetchInClient); len(seen) != 1 {
		t.Errorf("beta (port 80 -> 8080, on the node where alpha also listens on 8080) answered %v", seen)
	}

	// Pod IPs: the pod carries its own, others reach it at it, the headless Service
	// answers them.
	clientIP := podIPs(t, "netclient")["netclient"]
	if addrs, err := inClient("/addrs"); err != nil || !strings.Contains(addrs, clientIP+"/") {
		t.Errorf("the client pod does not carry its pod IP %s: %v\n%s", clientIP, err, addrs)
	}
	var want []string
	for name, ip := range alphaPods {
		want = append(want, ip)
		body, err := fetchInClient("http://" + ip + ":8080/")
		if m := helloAny.FindStringSubmatch(body); err != nil || m == nil || m[1] != name {
			t.Errorf("pod IP %s of %s answered %q %v", ip, name, body, err)
		}
	}
	slices.Sort(want)
	dnsAnswersIn(t, "alpha-pods.default.svc.cluster.local", want)

	// A pod started again gets its rules before its containers run.
	if out, err := onNode(1, "systemctl", "--user", "restart", "swarm-default_netclient.service"); err != nil {
		t.Fatalf("restart the client pod: %v\n%s", err, out)
	}
	eventually(t, 60*time.Second, "the restarted client pod reaches alpha through its ClusterIP", func() (bool, string) {
		body, err := fetchInClient("http://" + alpha.Spec.ClusterIP + "/")
		return err == nil && helloAny.MatchString(body), fmt.Sprint(body, err)
	})

	caps, err := inClient("/caps")
	if err != nil {
		t.Fatalf("capabilities of the client pod: %v", err)
	}
	if eff, perr := strconv.ParseUint(strings.TrimSpace(strings.TrimPrefix(strings.TrimSpace(caps), "CapEff:")), 16, 64); perr != nil || eff&(1<<12) != 0 {
		t.Errorf("the workload has CAP_NET_ADMIN (or no readable CapEff): %q %v", caps, perr)
	}

	// NodePort and LoadBalancer from outside the nodes: the bridge's namespace.
	if np := getService(t, "alpha-np"); len(np.Spec.Ports) != 1 || np.Spec.Ports[0].NodePort != 30080 {
		t.Errorf("alpha-np ports %+v, want nodePort 30080", np.Spec.Ports)
	}
	lb := getService(t, "beta-lb")
	if lb.Spec.Ports[0].NodePort < 30000 || lb.Spec.Ports[0].NodePort > 32767 {
		t.Errorf("beta-lb got nodePort %d", lb.Spec.Ports[0].NodePort)
	}
	for i := 1; i <= nodeCount; i++ {
		for _, u := range []string{
			fmt.Sprintf("http://%s:30080/", nodeAddr(i)),
			fmt.Sprintf("http://%s:8088/", nodeAddr(i)),
			fmt.Sprintf("http://%s:%d/", nodeAddr(i), lb.Spec.Ports[0].NodePort),
		} {
			eventually(t, 20*time.Second, "outside the nodes, "+u+" answers", func() (bool, string) {
				body, err := fromBridge(u)
				return err == nil && helloAny.MatchString(body), fmt.Sprint(body, err)
			})
		}
	}
	eventually(t, 20*time.Second, "beta-lb lists every node in status.loadBalancer.ingress", func() (bool, string) {
		lb := getService(t, "beta-lb")
		return len(lb.Status.LoadBalancer.Ingress) == nodeCount, fmt.Sprint(lb.Status.LoadBalancer)
	})
}

// fromBridge GETs u from the bridge's namespace: outside every node, as a client on the
// nodes' network.
func fromBridge(u string) (string, error) {
	return runIn("swarm-br", "timeout", "5", "busybox", "wget", "-q", "-O", "-", u)
}

// dnsAnswersIn waits until name resolves, inside the netclient pod, to want (sorted).
func dnsAnswersIn(t *testing.T, name string, want []string) {
	t.Helper()
	eventually(t, 15*time.Second, fmt.Sprintf("%s resolves to %v in the client pod", name, want), func() (bool, string) {
		out, err := inClient("/resolve?name=" + url.QueryEscape(name))
		got := strings.Fields(out)
		slices.Sort(got)
		return err == nil && slices.Equal(got, want), fmt.Sprint(got, err)
	})
}

// runIn runs a host command in the named network namespace.
func runIn(netns string, args ...string) (string, error) {
	cmd := exec.Command("ip", append([]string{"netns", "exec", netns}, args...)...)
	out, err := cmd.CombinedOutput()
	return string(out), err
}

// endpointOf is the endpoint of Service ns/name for the pod whose name starts with prefix,
// as node i's API lists it: found, and ready.
func endpointOf(i int, name, prefix string) (found, ready bool, err error) {
	out, err := fromNode(i, "timeout", "5", "busybox", "wget", "-q", "-O", "-",
		"--header", "Authorization: Bearer "+env.token,
		fmt.Sprintf("http://%s:7070/api/v1/services/default/%s/endpoints", nodeAddr(i), name))
	if err != nil {
		return false, false, fmt.Errorf("%v: %s", err, out)
	}
	var s struct {
		Endpoints []struct {
			Pod   string
			Ready bool
		}
	}
	if err := json.Unmarshal([]byte(out), &s); err != nil {
		return false, false, fmt.Errorf("decode endpoints: %v: %s", err, out)
	}
	for _, ep := range s.Endpoints {
		if strings.HasPrefix(ep.Pod, prefix) {
			return true, ep.Ready, nil
		}
	}
	return false, false, nil
}

// An endpoint that goes away (its Deployment scaled to zero: the pod drains, still running)
// stops getting new connections through the ClusterIP within a second of node 1 seeing the
// change, and no request fails meanwhile.
func TestServiceEndpointLeavesWithinASecond(t *testing.T) {
	needRig(t)
	waitNetScene(t, 1)
	defer func() {
		apply(t, netManifest(1))
		waitNetScene(t, 1)
	}()
	clusterIP := getService(t, "alpha").Spec.ClusterIP
	type answer struct {
		at  time.Time
		pod string
		err error
	}
	stop := make(chan struct{})
	answers := make(chan answer, 10000)
	go func() {
		defer close(answers)
		for {
			select {
			case <-stop:
				return
			default:
			}
			body, err := fetchInClient("http://" + clusterIP + "/")
			a := answer{at: time.Now(), err: err}
			if m := helloAny.FindStringSubmatch(body); m != nil {
				a.pod = m[1]
			} else if err == nil {
				a.err = fmt.Errorf("unexpected answer %q", body)
			}
			answers <- a
		}
	}()
	time.Sleep(time.Second)
	apply(t, netManifest(0))
	var gone time.Time
	deadline := time.Now().Add(30 * time.Second)
	for gone.IsZero() && time.Now().Before(deadline) {
		found, ready, err := endpointOf(1, "alpha", "alpha-n2-")
		if err == nil && (!found || !ready) {
			gone = time.Now()
		}
		time.Sleep(50 * time.Millisecond)
	}
	if gone.IsZero() {
		close(stop)
		t.Fatal("node 1 still lists alpha-n2's pod as a ready endpoint 30 s after the scale-down")
	}
	time.Sleep(4 * time.Second)
	close(stop)
	var last time.Time
	total, failed := 0, 0
	for a := range answers {
		total++
		if a.err != nil {
			failed++
			t.Logf("request at %s failed: %v", a.at.Format("15:04:05.000"), a.err)
		}
		if strings.HasPrefix(a.pod, "alpha-n2-") && a.at.After(last) {
			last = a.at
		}
	}
	t.Logf("%d requests; the endpoint left node 1's list at %s; alpha-n2's pod last answered at %s",
		total, gone.Format("15:04:05.000"), last.Format("15:04:05.000"))
	if late := last.Sub(gone); late > time.Second {
		t.Errorf("alpha-n2's pod still got connections %s after node 1 dropped its endpoint (want <= 1s)", late.Round(time.Millisecond))
	}
	if failed > 0 {
		t.Errorf("%d of %d requests through the ClusterIP failed during the change", failed, total)
	}
}

// Fifty pods that all listen on 8080 run on one node, each on its own node port, and the
// Service in front of them reaches them.
func TestFiftyPodsOnOnePortOnOneNode(t *testing.T) {
	needRig(t)
	waitNetScene(t, 1)
	manifest := serverDeployment("many", "many", 3, 50)
	manifest += `---
apiVersion: v1
kind: Service
metadata: {name: many}
spec:
  selector: {app: many}
  ports: [{port: 80, targetPort: http}]
`
	apply(t, manifest)
	defer func() {
		if out, err := swarmCLI(1, "delete", "deployment", "many"); err != nil {
			t.Errorf("delete deployment many: %v\n%s", err, out)
		}
		if out, err := swarmCLI(1, "delete", "service", "many"); err != nil {
			t.Errorf("delete service many: %v\n%s", err, out)
		}
		// The tests after this one start on a node that has stopped them all.
		eventually(t, 5*time.Minute, "n3 has stopped the 50 pods", func() (bool, string) {
			out, err := onNode(3, "sh", "-c", "podman pod ps --format '{{.Name}}' | grep -c '^swarm-default_many-' || true")
			return err == nil && strings.TrimSpace(out) == "0", out
		})
	}()
	eventually(t, 6*time.Minute, "50 pods of many are Running and ready on n3", func() (bool, string) {
		n := len(podIPs(t, "many-"))
		return n == 50, fmt.Sprintf("%d ready", n)
	})
	seen := answeringPods(t, "http://many/", 60, fetchInClient)
	if len(seen) < 20 {
		t.Errorf("60 requests to many reached only %d distinct pods: %v", len(seen), seen)
	}
}
