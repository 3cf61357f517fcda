package agent

import (
	"context"
	"errors"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/podman-swarm/podman-swarm/agent/store"
	"github.com/podman-swarm/podman-swarm/api"
	"github.com/podman-swarm/podman-swarm/internal/fielderr"
)

// An apply on one node is visible through the API of every node, and its pods are spread.
func TestApplyOnOneNodeReadOnAll(t *testing.T) {
	agents := startAgents(t, 3, nil)
	res := apply(t, agents[1], deploymentYAML("web", 3, ""))
	if len(res.Applied) != 1 || res.Applied[0].Result != "created" || res.Applied[0].Kind != "Deployment" {
		t.Fatalf("apply result = %+v", res.Applied)
	}
	for _, a := range agents {
		eventually(t, 5*time.Second, a.cfg.NodeName+" lists 3 assigned pods", func() bool {
			return len(placement(t, a)) == 3
		})
	}
	p := placement(t, agents[2])
	for _, n := range []string{"n0", "n1", "n2"} {
		if countOn(p, n) != 1 {
			t.Errorf("pods are not spread one per node: %v", p)
		}
	}
	// Applying the same manifest again changes nothing.
	if again := apply(t, agents[0], deploymentYAML("web", 3, "")); again.Applied[0].Result != "unchanged" {
		t.Errorf("second apply = %q, want unchanged", again.Applied[0].Result)
	}
	if cfgd := apply(t, agents[2], deploymentYAML("web", 1, "")); cfgd.Applied[0].Result != "configured" {
		t.Errorf("scale apply = %q, want configured", cfgd.Applied[0].Result)
	}
	eventually(t, 5*time.Second, "scaled down to 1 pod everywhere", func() bool {
		for _, a := range agents {
			if len(placement(t, a)) != 1 {
				return false
			}
		}
		return true
	})
}

// A bad manifest is refused whole with the reasons, and the store is unchanged.
func TestApplyRefusesBadManifest(t *testing.T) {
	agents := startAgents(t, 1, nil)
	a := agents[0]
	bad := deploymentYAML("good", 1, "") + "---\n" + strings.Replace(deploymentYAML("bad", -1, ""), "image: localhost/test:1", "image: ''", 1)
	var e api.APIError
	if code := call(t, a, "POST", "/api/v1/manifests", "application/yaml", []byte(bad), &e); code != http.StatusUnprocessableEntity {
		t.Fatalf("HTTP %d, want 422", code)
	}
	if !strings.Contains(e.Message, "nothing was applied") || len(e.Details) != 2 ||
		!strings.Contains(e.Details[0], "document 2 (Deployment bad): spec.replicas") {
		t.Errorf("error = %+v", e)
	}
	if code := call(t, a, "POST", "/api/v1/manifests", "application/yaml", []byte("a: [unclosed"), &e); code != http.StatusBadRequest ||
		!strings.Contains(e.Details[0], "invalid YAML") {
		t.Errorf("broken YAML: HTTP %d %+v", code, e)
	}
	big := make([]byte, 11<<20)
	if code := call(t, a, "POST", "/api/v1/manifests", "application/yaml", big, &e); code != http.StatusRequestEntityTooLarge {
		t.Errorf("11 MiB body: HTTP %d, want 413", code)
	}
	if n := len(a.Node().List("")) - len(a.Node().List(store.PrefixToken)); n != 0 {
		t.Errorf("store holds %d keys after refused applies", n)
	}
}

// When the leader dies another node takes over and keeps scheduling.
func TestLeaderFailover(t *testing.T) {
	agents := startAgents(t, 3, nil)
	leader := agents[0].Node().Leader()
	var rest []*Agent
	for _, a := range agents {
		if a.cfg.NodeName == leader {
			_ = a.Shutdown(false) // as if killed: no leave message
		} else {
			rest = append(rest, a)
		}
	}
	eventually(t, 10*time.Second, "the others agree on a new leader", func() bool {
		l := rest[0].Node().Leader()
		return l != leader && l != "" && rest[1].Node().Leader() == l
	})
	apply(t, rest[0], deploymentYAML("after", 2, ""))
	eventually(t, 5*time.Second, "the new leader schedules", func() bool {
		p := placement(t, rest[1])
		return len(p) == 2 && countOn(p, leader) == 0
	})
}

// A node that dies has its pods rescheduled after the grace period; when it comes back it
// has none; a node that leaves hands its pods over at once.
func TestNodeDeathReschedules(t *testing.T) {
	agents := startAgents(t, 3, nil)
	apply(t, agents[0], deploymentYAML("web", 3, ""))
	eventually(t, 5*time.Second, "3 pods placed", func() bool { return len(placement(t, agents[0])) == 3 })

	// Kill a node that does not lead, so that this test is about rescheduling alone.
	var victim *Agent
	for _, a := range agents {
		if a.cfg.NodeName != a.Node().Leader() {
			victim = a
		}
	}
	victimCfg := victim.cfg
	_ = victim.Shutdown(false)
	var survivor *Agent
	for _, a := range agents {
		if a != victim {
			survivor = a
			break
		}
	}
	eventually(t, 15*time.Second, "the dead node's pod moves to a live node", func() bool {
		p := placement(t, survivor)
		return len(p) == 3 && countOn(p, victimCfg.NodeName) == 0
	})

	// It comes back (same state folder, remembered peers): it is given nothing back.
	victimCfg.Join = nil
	back := startAgent(t, victimCfg)
	eventually(t, 10*time.Second, "the node is back and sees the others", func() bool { return alive(back) == 3 })
	time.Sleep(500 * time.Millisecond)
	if p := placement(t, back); countOn(p, victimCfg.NodeName) != 0 || len(p) != 3 {
		t.Errorf("after return: %v", p)
	}

	// A graceful leave hands the pods over without waiting for the grace period.
	for _, a := range agents {
		if a != victim && a.cfg.NodeName != a.Node().Leader() {
			name := a.cfg.NodeName
			_ = a.Shutdown(true)
			eventually(t, 5*time.Second, "the leaving node's pods move", func() bool {
				p := placement(t, back)
				return len(p) == 3 && countOn(p, name) == 0
			})
			break
		}
	}
}

// nodeSelector places pods only on nodes with the label; without one they stay Pending
// with the reason.
func TestNodeSelectorAndPending(t *testing.T) {
	agents := startAgents(t, 3, func(i int, c *Config) {
		if i == 2 {
			c.Labels = map[string]string{"disk": "ssd"}
		}
	})
	apply(t, agents[0], deploymentYAML("db", 1, "      nodeSelector: {disk: ssd}\n"))
	apply(t, agents[0], deploymentYAML("gpu", 1, "      nodeSelector: {gpu: \"yes\"}\n"))
	eventually(t, 5*time.Second, "db on n2 and gpu pending", func() bool {
		var dbOK, gpuPending bool
		for _, p := range pods(t, agents[1]).Items {
			switch {
			case strings.HasPrefix(p.Metadata.Name, "db-"):
				dbOK = p.Spec.NodeName == "n2"
			case strings.HasPrefix(p.Metadata.Name, "gpu-"):
				for _, c := range p.Status.Conditions {
					if c.Type == "PodScheduled" && c.Status == "False" && strings.Contains(c.Message, "didn't match nodeSelector") {
						gpuPending = p.Status.Phase == "Pending"
					}
				}
			}
		}
		return dbOK && gpuPending
	})
}

// Every node, restarted at once from its state folder, comes back with the whole state.
func TestWholeClusterRestart(t *testing.T) {
	agents := startAgents(t, 3, nil)
	apply(t, agents[0], deploymentYAML("web", 2, ""))
	eventually(t, 5*time.Second, "2 pods placed everywhere", func() bool {
		for _, a := range agents {
			if len(placement(t, a)) != 2 {
				return false
			}
		}
		return true
	})
	before := placement(t, agents[0])
	var cfgs []Config
	for _, a := range agents {
		cfgs = append(cfgs, a.cfg)
		_ = a.Shutdown(false)
	}
	// Started again with no --join: the nodes find each other from their state folders.
	var again []*Agent
	for _, c := range cfgs {
		c.Join = nil
		c.JoinToken = ""
		again = append(again, startAgent(t, c))
	}
	eventually(t, 15*time.Second, "the restarted nodes find each other", func() bool {
		for _, a := range again {
			if alive(a) != 3 {
				return false
			}
		}
		return true
	})
	for _, a := range again {
		p := placement(t, a)
		if len(p) != 2 {
			t.Fatalf("%s lists %v after the restart", a.cfg.NodeName, p)
		}
		for pod, node := range before {
			if p[pod] != node {
				t.Errorf("%s: pod %s moved from %s to %s across the restart", a.cfg.NodeName, pod, node, p[pod])
			}
		}
	}
	token, err := os.ReadFile(filepath.Join(cfgs[0].StateDir, JoinTokenFile))
	if err != nil || strings.TrimSpace(string(token)) != again[0].Node().JoinToken() {
		t.Errorf("join-token file = %q (%v)", token, err)
	}
	if info, err := os.Stat(filepath.Join(cfgs[0].StateDir, JoinTokenFile)); err != nil || info.Mode().Perm() != 0o600 {
		t.Errorf("join-token file mode: %v %v", info.Mode(), err)
	}
}

// Deleting by name removes the object everywhere; a name that several kinds share needs ?kind=.
func TestDelete(t *testing.T) {
	agents := startAgents(t, 2, nil)
	apply(t, agents[0], deploymentYAML("web", 1, "")+"---\napiVersion: v1\nkind: Service\nmetadata: {name: web}\nspec: {selector: {app: web}, ports: [{port: 80}]}\n")
	eventually(t, 5*time.Second, "both objects reach the other node", func() bool {
		return len(agents[1].Node().List(store.PrefixService)) == 1 && len(agents[1].Node().List(store.PrefixDeployment)) == 1
	})
	var e api.APIError
	if code := call(t, agents[1], "DELETE", "/api/v1/manifests/default/web", "", nil, &e); code != http.StatusConflict {
		t.Errorf("ambiguous delete: HTTP %d %+v", code, e)
	}
	if code := call(t, agents[1], "DELETE", "/api/v1/manifests/default/web?kind=Deployment", "", nil, nil); code != http.StatusOK {
		t.Errorf("delete deployment: HTTP %d", code)
	}
	if code := call(t, agents[1], "DELETE", "/api/v1/manifests/default/nothing", "", nil, &e); code != http.StatusNotFound {
		t.Errorf("delete missing: HTTP %d", code)
	}
	eventually(t, 5*time.Second, "the deployment's pod is gone on every node", func() bool {
		return len(placement(t, agents[0])) == 0 && len(placement(t, agents[1])) == 0
	})
	var svcs struct{ Items []any }
	call(t, agents[0], "GET", "/api/v1/services", "", nil, &svcs)
	if len(svcs.Items) != 1 {
		t.Errorf("services after deleting the deployment: %d", len(svcs.Items))
	}
}

// A node needs the right join token; rotating it from any node shuts the old one out, and
// every node's join-token file follows.
func TestJoinTokenAndRotation(t *testing.T) {
	agents := startAgents(t, 2, nil)
	wrong := testConfig(t, "intruder")
	wrong.Join = []string{agents[0].Node().Addr()}
	wrong.JoinToken = strings.Replace(agents[0].Node().JoinToken(), agents[0].Node().JoinToken()[len(agents[0].Node().JoinToken())-4:], "AAAA", 1)
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if a, err := Start(ctx, wrong); err == nil {
		a.Shutdown(false)
		t.Fatal("a node with a wrong join token was admitted")
	}
	noToken := testConfig(t, "stranger")
	noToken.Join = []string{agents[0].Node().Addr()}
	if a, err := Start(ctx, noToken); err == nil {
		a.Shutdown(false)
		t.Fatal("a node without a join token was admitted")
	} else if !strings.Contains(err.Error(), "join token") {
		t.Errorf("error without a token: %v", err)
	}

	old := agents[0].Node().JoinToken()
	var jt api.JoinToken
	if code := call(t, agents[1], "POST", "/api/v1/join-token/rotate", "", nil, &jt); code != http.StatusOK || jt.Token == old || jt.Token == "" {
		t.Fatalf("rotate: HTTP %d %+v", code, jt)
	}
	for _, a := range agents {
		eventually(t, 10*time.Second, a.cfg.NodeName+"'s join-token file holds the new token", func() bool {
			b, _ := os.ReadFile(filepath.Join(a.cfg.StateDir, JoinTokenFile))
			return strings.TrimSpace(string(b)) == jt.Token
		})
	}
	late := testConfig(t, "late")
	late.Join = []string{agents[0].Node().Addr()}
	late.JoinToken = old
	if a, err := Start(ctx, late); err == nil {
		a.Shutdown(false)
		t.Fatal("the old token still admits a node after rotation")
	}
	late = testConfig(t, "late2")
	late.Join = []string{agents[0].Node().Addr()}
	late.JoinToken = jt.Token
	startAgent(t, late)
}

// Node labels are checked like Kubernetes labels. The error names the Config field; swarm
// agent names its flag instead (cmd/swarm's tests).
func TestBadLabelRefused(t *testing.T) {
	cfg := testConfig(t, "n0")
	cfg.Labels = map[string]string{"disk": "fast ssd"}
	_, err := Start(context.Background(), cfg)
	var ce *fielderr.List
	if !errors.As(err, &ce) || len(ce.Problems) != 1 || !slices.Equal(ce.Problems[0].Fields, []string{"Labels"}) ||
		!strings.Contains(err.Error(), "invalid agent configuration: Labels disk=fast ssd: the value") {
		t.Errorf("err = %v", err)
	}
}

// Describe and logs of a pod go to the node that runs it, whichever node is asked.
func TestPodRequestsGoToItsNode(t *testing.T) {
	agents := startAgents(t, 2, nil)
	apply(t, agents[0], deploymentYAML("web", 2, "")) // one per node: the template publishes no port, spread puts one on each
	var p map[string]string
	eventually(t, 5*time.Second, "2 pods placed on both nodes, as both nodes see it", func() bool {
		p = placement(t, agents[0])
		return len(p) == 2 && countOn(p, "n0") == 1 && countOn(p, "n1") == 1 && len(placement(t, agents[1])) == 2
	})
	var remote string
	for pod, node := range p {
		if node == "n1" {
			remote = pod
		}
	}
	var d api.PodDescription
	if code := call(t, agents[0], "GET", "/api/v1/pods/default/"+remote, "", nil, &d); code != http.StatusOK || d.Node != "n1" || d.Pod.Name != remote {
		t.Errorf("describe through n0: HTTP %d %+v", code, d)
	}
	var e api.APIError
	if code := call(t, agents[0], "GET", "/api/v1/pods/default/"+remote+"/logs", "", nil, &e); code != http.StatusConflict ||
		e.Message != "node n1 runs no pods (--runtime none), so there are no logs" {
		t.Errorf("logs through n0: HTTP %d %+v", code, e)
	}
	if code := call(t, agents[0], "GET", "/api/v1/pods/default/nope/logs", "", nil, &e); code != http.StatusNotFound {
		t.Errorf("logs of a missing pod: HTTP %d %+v", code, e)
	}
}

// A manifest that validates but that no node could run is refused at apply, whole.
func TestApplyRefusesUnrunnablePod(t *testing.T) {
	a := startAgents(t, 1, nil)[0]
	doc := deploymentYAML("ok", 1, "") + "---\n" + strings.Replace(deploymentYAML("web", 1, "      volumes: [{name: s, nfs: {server: nfs.example, path: /x}}]\n"), "image: localhost/test:1", "image: localhost/test:1\n          volumeMounts: [{name: s, mountPath: /s}]", 1)
	var e api.APIError
	if code := call(t, a, "POST", "/api/v1/manifests", "application/yaml", []byte(doc), &e); code != http.StatusUnprocessableEntity ||
		len(e.Details) != 1 || !strings.Contains(e.Details[0], "document 2 (Deployment web): spec.template.spec.volumes[0].nfs: cannot run on a node") {
		t.Fatalf("HTTP %d %+v", code, e)
	}
	if n := len(a.Node().List("")) - len(a.Node().List(store.PrefixToken)); n != 0 {
		t.Errorf("store holds %d keys after a refused apply", n)
	}
}

// A Service's endpoints are its pods at their node's address and published port; with
// --runtime none no pod is ever ready, so the addresses list stays empty.
func TestServiceEndpoints(t *testing.T) {
	agents := startAgents(t, 2, nil)
	apply(t, agents[0], strings.Replace(deploymentYAML("web", 2, ""), "image: localhost/test:1", "image: localhost/test:1\n          ports: [{name: http, containerPort: 8080}]", 1)+
		"---\napiVersion: v1\nkind: Service\nmetadata: {name: web}\nspec: {selector: {app: web}, ports: [{name: http, port: 80, targetPort: http}]}\n")
	var s struct {
		Name  string
		Ports []struct {
			Name string
			Port int32
		}
		Endpoints []struct {
			Pod, Node, Address string
			Ready              bool
			Ports              []struct {
				Name string
				Port int32
			}
		}
	}
	eventually(t, 5*time.Second, "both endpoints are listed on the other node", func() bool {
		call(t, agents[1], "GET", "/api/v1/services/default/web/endpoints", "", nil, &s)
		return len(s.Endpoints) == 2
	})
	for _, ep := range s.Endpoints {
		if ep.Address != "127.0.0.1" || ep.Ready || len(ep.Ports) != 1 || ep.Ports[0].Port != 8080 || ep.Ports[0].Name != "http" {
			t.Errorf("endpoint %+v", ep)
		}
	}
	var addrs []string
	if code := call(t, agents[0], "GET", "/api/v1/services/default/web/addresses", "", nil, &addrs); code != http.StatusOK || len(addrs) != 0 {
		t.Errorf("addresses: HTTP %d %v (no pod is ready without a runtime)", code, addrs)
	}
	var e api.APIError
	if code := call(t, agents[0], "GET", "/api/v1/services/default/nope/endpoints", "", nil, &e); code != http.StatusNotFound {
		t.Errorf("missing service: HTTP %d", code)
	}
	var all api.EndpointList
	if code := call(t, agents[0], "GET", "/api/v1/endpoints", "", nil, &all); code != http.StatusOK || len(all.Items) != 1 {
		t.Errorf("all endpoints: HTTP %d %+v", code, all)
	}
}

// An API listening on every address is advertised at the node's gossip address, so that
// other agents can pass pod requests on to it.
func TestAPIOnEveryAddressIsAdvertisedReachably(t *testing.T) {
	agents := startAgents(t, 1, func(_ int, c *Config) { c.APIListen = "0.0.0.0:0" })
	_, port, _ := net.SplitHostPort(agents[0].APIAddr())
	var nodes struct {
		Items []struct {
			Metadata struct{ Annotations map[string]string }
		}
	}
	call(t, agents[0], "GET", "/api/v1/nodes", "", nil, &nodes)
	if got := nodes.Items[0].Metadata.Annotations["swarm.podman.io/api"]; got != "127.0.0.1:"+port {
		t.Errorf("advertised API = %q, want 127.0.0.1:%s", got, port)
	}
}
