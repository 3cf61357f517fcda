package e2e

import (
	"fmt"
	"maps"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"
)

// trafficManifest is web (one replica per node) behind a Service, a headless Service (whose
// DNS answer is the ready pods' own IPs) and an Ingress, and a client pod on n1: the test
// server, asked over its hostPort to resolve names and fetch URLs from inside the pod.
func trafficManifest(replicas int) string {
	return webManifest(replicas, "latest") + `---
apiVersion: v1
kind: Service
metadata: {name: web}
spec:
  selector: {app: web}
  ports: [{name: http, port: 8080, targetPort: http}]
---
apiVersion: v1
kind: Service
metadata: {name: web-pods}
spec:
  clusterIP: None
  selector: {app: web}
  ports: [{name: http, port: 8080, targetPort: http}]
---
apiVersion: networking.k8s.io/v1
kind: Ingress
metadata: {name: web}
spec:
  rules:
    - host: web.example.test
      http:
        paths:
          - {path: /, pathType: Prefix, backend: {service: {name: web, port: {number: 8080}}}}
---
` + serverPod("client", 1, 9090, 9090)
}

// serverPod is a bare Pod (label app=NAME) of the test server on node i, listening on
// listen, with port declared and published on the node as its hostPort.
func serverPod(name string, i, listen, port int) string {
	return fmt.Sprintf(`apiVersion: v1
kind: Pod
metadata: {name: %s, labels: {app: %s}}
spec:
  nodeSelector: {node: %s}
  containers:
    - name: server
      image: localhost/swarm-testserver:latest
      imagePullPolicy: Never
      args: ["--listen", ":%d"]
      ports: [{containerPort: %d, hostPort: %d}]
`, name, name, nodeName(i), listen, port, port)
}

// fromClient asks the client pod on n1 for path: what it answers was done inside the pod.
func fromClient(path string) (string, error) {
	return httpGet(1, "http://"+nodeAddr(1)+":9090"+path)
}

// resolveInPod is what name resolves to inside the client pod, sorted.
func resolveInPod(name string) ([]string, error) {
	out, err := fromClient("/resolve?name=" + url.QueryEscape(name))
	if err != nil {
		return nil, fmt.Errorf("resolve %s in the client pod: %v: %s", name, err, out)
	}
	addrs := strings.Fields(out)
	slices.Sort(addrs)
	return addrs, nil
}

// helloFrom matches the test server's answer and captures the pod and its node.
var helloFrom = regexp.MustCompile(`^hello from (web-\S+) on (n\d)\n$`)

// webPodIPs lists the pod IPs of the ready web pods, sorted.
func webPodIPs(t *testing.T) []string {
	return slices.Sorted(maps.Values(podIPs(t, "web-")))
}

// dnsAnswers waits until name resolves, inside the client pod, to want.
func dnsAnswers(t *testing.T, within time.Duration, name string, want []string) {
	t.Helper()
	eventually(t, within, fmt.Sprintf("%s resolves to %v in the client pod", name, want), func() (bool, string) {
		got, err := resolveInPod(name)
		return err == nil && slices.Equal(got, want), fmt.Sprint(got, err)
	})
}

// ingressPods sends n requests for web.example.test to node i's ingress and lists the pods
// that answered, each once, sorted.
func ingressPods(i, n int) ([]string, error) {
	seen := map[string]bool{}
	for range n {
		body, err := httpGetHost(i, "http://"+nodeAddr(i)+"/", "web.example.test")
		m := helloFrom.FindStringSubmatch(body)
		if err != nil || m == nil {
			return nil, fmt.Errorf("GET web.example.test at node %d's ingress: %q %v", i, body, err)
		}
		seen[m[1]] = true
	}
	return slices.Sorted(maps.Keys(seen)), nil
}

// ingressFailures asks each node's ingress for web.example.test in turn for a while and
// says how many requests failed, and how.
func ingressFailures(during time.Duration) string {
	total, failures := 0, map[string]int{}
	for end := time.Now().Add(during); time.Now().Before(end); {
		for i := 1; i <= nodeCount; i++ {
			body, err := httpGetHost(i, "http://"+nodeAddr(i)+"/", "web.example.test")
			total++
			if err != nil || !helloFrom.MatchString(body) {
				failures[fmt.Sprintf("node %d: %s", i, strings.TrimSpace(body))]++
			}
		}
	}
	return fmt.Sprintf("%d requests to the ingresses in the %s after swarm scale, failed: %v", total, during, failures)
}

// webPods maps the names of the ready web pods to their node's index.
func webPods(t *testing.T) map[string]int {
	out := map[string]int{}
	for _, p := range getPodsFrom(t, 1) {
		if strings.HasPrefix(p.Metadata.Name, "web-") && p.Status.Phase == "Running" {
			out[p.Metadata.Name] = nodeIndex(p.Spec.NodeName)
		}
	}
	return out
}

// Real traffic between pods on three nodes: a pod resolves Services with its node's
// swarm dns, by full and by short name, and reaches every endpoint, on its own node as on
// the others; each node's ingress reaches the replicas; scaling changes the DNS answers,
// and a node cut off leaves DNS and the ingress.
func TestServiceDiscoveryAndIngress(t *testing.T) {
	needRig(t)
	file := filepath.Join(t.TempDir(), "traffic.yaml")
	if err := os.WriteFile(file, []byte(trafficManifest(nodeCount)), 0o644); err != nil {
		t.Fatal(err)
	}
	if out, err := swarmCLI(1, "apply", "-f", file); err != nil {
		t.Fatalf("swarm apply: %v\n%s", err, out)
	}
	t.Cleanup(func() {
		if out, err := swarmCLI(1, "delete", "-f", file); err != nil {
			t.Errorf("swarm delete -f: %v\n%s", err, out)
		}
	})
	eventually(t, 90*time.Second, "a ready web pod runs on every node", func() (bool, string) {
		ready := webPods(t)
		pods, _ := swarmCLI(1, "get", "pods", "-o", "wide")
		return len(ready) == nodeCount && len(webPodIPs(t)) == nodeCount, fmt.Sprint(ready, "\n", pods)
	})
	eventually(t, 90*time.Second, "the client pod answers", func() (bool, string) {
		body, err := fromClient("/")
		return err == nil && strings.HasPrefix(body, "hello from client"), fmt.Sprint(body, err)
	})
	clusterIP := getService(t, "web").Spec.ClusterIP

	t.Run("a pod resolves Services with its node's DNS", func(t *testing.T) {
		// The client's resolver is 198.18.0.11:53, its node's swarm dns: nothing else knows
		// cluster.local. "web" has no dot: the search path and ndots:5 make it the Service.
		for _, name := range []string{"web.default.svc.cluster.local", "web"} {
			dnsAnswers(t, 30*time.Second, name, []string{clusterIP})
		}
		// A headless Service answers its ready pods' own IPs.
		dnsAnswers(t, 30*time.Second, "web-pods.default.svc.cluster.local", webPodIPs(t))
		units, err := onNode(1, "cat", "/home/swarm/.config/containers/systemd/swarm-default_client.pod")
		clientIP := podIPs(t, "client")["client"]
		for _, line := range []string{"DNS=" + nodeAddr(1), "DNSSearch=default.svc.cluster.local", "DNSOption=ndots:5", "Network=pasta:-a," + clientIP + ",-n,16,-g,10.42.0.1", "PublishPort=" + nodeAddr(1) + ":9090:9090/tcp"} {
			if err != nil || !strings.Contains(units, line+"\n") {
				t.Errorf("the client's pod unit has no %s: %v\n%s", line, err, units)
			}
		}
	})

	t.Run("a pod reaches endpoints on its own node and on the others", func(t *testing.T) {
		// Each replica at its own pod IP, whichever node runs it (one of them runs on n1).
		for name, ip := range podIPs(t, "web-") {
			body, err := fromClient("/fetch?url=" + url.QueryEscape("http://"+ip+":8080/"))
			if m := helloFrom.FindStringSubmatch(body); err != nil || m == nil || m[1] != name {
				t.Errorf("from the client pod on n1, GET %s:8080: %q %v; want %s", ip, body, err, name)
			}
		}
		// The node's agent loads the client's rules within about a second of the endpoints
		// reaching its API, which may be after node 1's API showed the replicas ready, as
		// Kubernetes' proxies follow the endpoints: the scene is set once the client's node
		// sends to every replica, and from then on the Service reaches each one in turn.
		start := time.Now()
		eventually(t, 20*time.Second, "the client's node sends web's traffic to every replica", func() (bool, string) {
			seen := map[string]bool{}
			for range 3 * nodeCount {
				body, err := fromClient("/fetch?url=" + url.QueryEscape("http://web:8080/"))
				if m := helloFrom.FindStringSubmatch(body); err == nil && m != nil {
					seen[m[1]] = true
				}
			}
			return len(seen) == nodeCount, fmt.Sprintf("reached %v", seen)
		})
		t.Logf("the client's node sent web's traffic to every replica after %v", time.Since(start).Round(100*time.Millisecond))
		seen := map[string]bool{}
		for range 3 * nodeCount {
			body, err := fromClient("/fetch?url=" + url.QueryEscape("http://web:8080/"))
			if m := helloFrom.FindStringSubmatch(body); err == nil && m != nil {
				seen[m[1]] = true
			} else {
				t.Errorf("from the client pod, GET http://web:8080/: %q %v", body, err)
			}
		}
		if len(seen) != nodeCount {
			t.Errorf("GET http://web:8080/ from the client pod reached %v; want each of the %d replicas in turn", seen, nodeCount)
		}
	})

	t.Run("each node's ingress answers for web.example.test", func(t *testing.T) {
		// Every node runs a replica, and the ingress keeps traffic on its node when it can.
		// Each ingress learns of its node's replica from its own agent, which may hear of
		// that replica's readiness and open ports a second or two after node 1's does.
		for i := 1; i <= nodeCount; i++ {
			start := time.Now()
			eventually(t, 5*time.Second, fmt.Sprintf("node %d's ingress answers from its own replica", i), func() (bool, string) {
				pods, err := ingressPods(i, 3)
				return err == nil && len(pods) == 1 && webPods(t)[pods[0]] == i, fmt.Sprint(pods, err)
			})
			if waited := time.Since(start); waited > time.Second {
				t.Logf("node %d's ingress kept to its own replica after %.1fs", i, waited.Seconds())
			}
		}
	})

	t.Run("with --spread-all, a node's ingress reaches every replica in turn", func(t *testing.T) {
		restart := func(extra string) error {
			if err := writeNodeFile(1, "ingress.env", ingressEnv(1, extra)); err != nil {
				return err
			}
			out, err := onNode(1, "systemctl", "--user", "restart", "swarm-ingress")
			if err != nil {
				return fmt.Errorf("restart swarm-ingress: %v\n%s", err, out)
			}
			return nil
		}
		if err := restart("--spread-all"); err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() {
			if err := restart(""); err != nil {
				t.Error(err)
			}
		})
		eventually(t, 30*time.Second, "node 1's ingress answers from all three replicas", func() (bool, string) {
			pods, err := ingressPods(1, 3*nodeCount)
			return err == nil && len(pods) == nodeCount, fmt.Sprint(pods, err)
		})
	})

	t.Run("a pod whose published port leads nowhere is no endpoint", func(t *testing.T) {
		// Running and ready as far as its node can tell (no probe), but the server listens
		// on another port than the one published: the node's port check takes it out.
		misport := func(listen int) string {
			return serverPod("misport", 2, listen, 8181) + `---
apiVersion: v1
kind: Service
metadata: {name: misport}
spec: {clusterIP: None, selector: {app: misport}, ports: [{port: 8181}]}
`
		}
		file := filepath.Join(t.TempDir(), "misport.yaml")
		applyFile := func(text string) {
			t.Helper()
			if err := os.WriteFile(file, []byte(text), 0o644); err != nil {
				t.Fatal(err)
			}
			if out, err := swarmCLI(1, "apply", "-f", file); err != nil {
				t.Fatalf("swarm apply: %v\n%s", err, out)
			}
		}
		applyFile(misport(8182))
		t.Cleanup(func() { _, _ = swarmCLI(1, "delete", "-f", file) })
		eventually(t, 90*time.Second, "misport runs, ready", func() (bool, string) {
			for _, p := range getPodsFrom(t, 1) {
				if p.Metadata.Name == "misport" && p.Status.Phase == "Running" && len(p.Status.ContainerStatuses) == 1 && p.Status.ContainerStatuses[0].Ready {
					return true, ""
				}
			}
			out, _ := swarmCLI(1, "get", "pods")
			return false, out
		})
		// Until the first check, readiness alone counts: give the check its second. The
		// name ends in a dot: the answer (none) comes at once, without the search path and
		// the node's unreachable upstream resolver.
		const fqdn = "misport.default.svc.cluster.local."
		var since time.Time
		eventually(t, 20*time.Second, "misport has no address for 3 s in a row", func() (bool, string) {
			got, err := resolveInPod(fqdn)
			if err == nil {
				since = time.Time{}
				return false, fmt.Sprint(got)
			}
			if since.IsZero() {
				since = time.Now()
			}
			return time.Since(since) >= 3*time.Second, err.Error()
		})
		applyFile(misport(8181))
		dnsAnswers(t, 90*time.Second, fqdn, []string{podIPs(t, "misport")["misport"]})
	})

	// Scaling down leaves one node without a replica: its ingress spreads over the others.
	start := time.Now()
	if out, err := swarmCLI(1, "scale", "deployment/web", "--replicas", "2"); err != nil {
		t.Fatalf("swarm scale: %v\n%s", err, out)
	}
	// Meanwhile, clients keep asking every node's ingress: a figure, not a check, since
	// how soon the ingress notices depends on the machine's load.
	failed := make(chan string)
	go func() { failed <- ingressFailures(4 * time.Second) }()
	eventually(t, 30*time.Second, "the client pod resolves web-pods to two pods", func() (bool, string) {
		got, err := resolveInPod("web-pods.default.svc.cluster.local")
		return err == nil && len(got) == 2, fmt.Sprint(got, err)
	})
	t.Logf("scale 3 -> 2: the DNS answer in the client pod changed %.1fs after swarm scale", time.Since(start).Seconds())
	t.Logf("scale 3 -> 2: %s", <-failed)
	var two []string
	eventually(t, 60*time.Second, "two web pods run", func() (bool, string) {
		two = webPodIPs(t)
		return len(two) == 2 && len(webPods(t)) == 2, fmt.Sprint(two)
	})
	dnsAnswers(t, 10*time.Second, "web-pods.default.svc.cluster.local", two)
	onNodes := map[int]bool{}
	for _, i := range webPods(t) {
		onNodes[i] = true
	}
	spare := 0
	for i := 1; i <= nodeCount; i++ {
		if !onNodes[i] {
			spare = i
		}
	}
	t.Run("the ingress of a node without a replica reaches every replica in turn", func(t *testing.T) {
		// The ingress reads the endpoints every second: right after the scale it may still
		// send a request to the replica being stopped on this node.
		want := slices.Sorted(maps.Keys(webPods(t)))
		eventually(t, 10*time.Second, fmt.Sprintf("node %d's ingress answers from each of %v", spare, want), func() (bool, string) {
			pods, err := ingressPods(spare, 6)
			return err == nil && slices.Equal(pods, want), fmt.Sprint(pods, err)
		})
	})

	t.Run("a node cut off leaves DNS and the ingress", func(t *testing.T) {
		// Cut a node that runs a replica and is not n1 (the client's and the API's node).
		cut := 0
		cutIP := ""
		for i := 2; i <= nodeCount; i++ {
			if onNodes[i] {
				cut = i
			}
		}
		for name, ip := range podIPs(t, "web-") {
			if webPods(t)[name] == cut {
				cutIP = ip
			}
		}
		netns := "swarm-" + nodeName(cut)
		t.Cleanup(func() {
			// Whatever happened, the node comes back for the tests after this one.
			for _, args := range [][]string{{"link", "set", "eth0", "up"}, {"route", "replace", "default", "via", "198.18.0.1"}} {
				if out, err := exec.Command("ip", append([]string{"netns", "exec", netns, "ip"}, args...)...).CombinedOutput(); err != nil {
					t.Errorf("ip %s in %s: %v\n%s", strings.Join(args, " "), netns, err, out)
				}
			}
			eventually(t, 60*time.Second, "every node is Ready again", func() (bool, string) {
				out, err := swarmCLI(1, "get", "nodes")
				return err == nil && strings.Count(out, " Ready ") == nodeCount, out
			})
		})
		start := time.Now()
		if out, err := exec.Command("ip", "netns", "exec", netns, "ip", "link", "set", "eth0", "down").CombinedOutput(); err != nil {
			t.Fatalf("cut %s off: %v\n%s", netns, err, out)
		}
		// The DNS answer loses the node before a replacement replica (on the spare node)
		// can be ready; so wait for any answer without it.
		eventually(t, 60*time.Second, "the cut node leaves the DNS answer", func() (bool, string) {
			got, err := resolveInPod("web-pods.default.svc.cluster.local")
			return err == nil && len(got) > 0 && !slices.Contains(got, cutIP), fmt.Sprint(got, err)
		})
		t.Logf("node %s cut off: out of the DNS answer after %.1fs", nodeName(cut), time.Since(start).Seconds())
		eventually(t, 60*time.Second, "the spare node's ingress answers only from replicas on reachable nodes", func() (bool, string) {
			pods, err := ingressPods(spare, 4)
			on := webPods(t)
			if err != nil {
				return false, err.Error()
			}
			for _, p := range pods {
				if on[p] == cut {
					return false, fmt.Sprint(pods, on)
				}
			}
			return true, ""
		})
		t.Logf("node %s cut off: out of the ingress after %.1fs", nodeName(cut), time.Since(start).Seconds())
	})
}
