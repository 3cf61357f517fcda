package kubectl_test

import (
	"bytes"
	"context"
	"crypto/tls"
	"crypto/x509"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/podman-swarm/podman-swarm/agent"
	"github.com/podman-swarm/podman-swarm/api"
	"github.com/podman-swarm/podman-swarm/internal/testcert"
)

// streamKubectlBinary is the kubectl the suite drives.
const streamKubectlBinary = "/usr/bin/kubectl"

// streamManifest is a Deployment of one pod with two containers.
const streamManifest = `apiVersion: apps/v1
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

// streamCluster is two live agents on loopback whose pods are "run" by streamRuntimes, with
// the one pod of streamManifest placed on one of them. server is the API of the other one,
// so that every request about the pod is passed on between the agents.
type streamCluster struct {
	pod             string
	podNode, other  *agent.Agent
	podRT, otherRT  *streamRuntime
	token, readOnly string
	// server is the URL kubectl talks to: the other node's API, or streamFront before it.
	server string
	// caFile is the certificate of the agents' APIs (HTTPS: kubectl sends no token over
	// plain HTTP); client trusts it.
	caFile, keyFile string
	client          *http.Client
}

func startStreamCluster(t *testing.T) *streamCluster {
	t.Helper()
	dir := t.TempDir()
	certFile, keyFile := filepath.Join(dir, "api.crt"), filepath.Join(dir, "api.key")
	pool := x509.NewCertPool()
	pool.AddCert(testcert.Write(t, certFile, keyFile, "127.0.0.1"))
	tlsFiles := func(c *agent.Config) { c.TLSCert, c.TLSKey, c.TLSCA = certFile, keyFile, certFile }
	rt0, rt1 := newStreamRuntime(), newStreamRuntime()
	n0, dir0 := startStreamAgent(t, "n0", rt0, tlsFiles)
	n1, _ := startStreamAgent(t, "n1", rt1, func(c *agent.Config) {
		tlsFiles(c)
		c.Join, c.JoinToken = []string{n0.Node().Addr()}, n0.Node().JoinToken()
	})
	streamWait(t, 20*time.Second, "both nodes see both", func() bool { return streamAliveMembers(n0) == 2 && streamAliveMembers(n1) == 2 })
	data, err := os.ReadFile(filepath.Join(dir0, api.TokenFile))
	if err != nil {
		t.Fatal(err)
	}
	client := &http.Client{Transport: &http.Transport{TLSClientConfig: &tls.Config{RootCAs: pool}}}
	t.Cleanup(client.CloseIdleConnections)
	sc := &streamCluster{token: strings.TrimSpace(string(data)), caFile: certFile, keyFile: keyFile, client: client}
	base := "https://" + n0.APIAddr()
	if code, body := streamCall(t, client, base, sc.token, http.MethodPost, "/api/v1/manifests", "application/yaml", streamManifest); code != http.StatusOK && code != http.StatusCreated {
		t.Fatalf("apply: %d %s", code, body)
	}
	var pod corev1.Pod
	streamWait(t, 20*time.Second, "the pod is placed and both nodes know where", func() bool {
		for _, n := range []*agent.Agent{n0, n1} {
			var l corev1.PodList
			code, body := streamCall(t, client, "https://"+n.APIAddr(), sc.token, http.MethodGet, "/api/v1/pods", "", "")
			if code != http.StatusOK || json.Unmarshal([]byte(body), &l) != nil || len(l.Items) != 1 || l.Items[0].Spec.NodeName == "" {
				return false
			}
			pod = l.Items[0]
		}
		return true
	})
	sc.pod = pod.Name
	if pod.Spec.NodeName == "n0" {
		sc.podNode, sc.other, sc.podRT, sc.otherRT = n0, n1, rt0, rt1
	} else {
		sc.podNode, sc.other, sc.podRT, sc.otherRT = n1, n0, rt1, rt0
	}
	var ro api.NewToken
	code, body := streamCall(t, client, base, sc.token, http.MethodPost, "/api/v1/tokens", "application/json", `{"readOnly":true}`)
	if code != http.StatusCreated && code != http.StatusOK || json.Unmarshal([]byte(body), &ro) != nil {
		t.Fatalf("create a read-only token: %d %s", code, body)
	}
	sc.readOnly = ro.Token
	sc.server = streamServerFor(t, sc, "https://"+sc.other.APIAddr())
	return sc
}

// startStreamAgent starts an agent on loopback that runs no runtime but rt.
func startStreamAgent(t *testing.T, name string, rt *streamRuntime, configure func(*agent.Config)) (*agent.Agent, string) {
	t.Helper()
	dir := t.TempDir()
	cfg := agent.Config{
		NodeName: name, Bind: streamFreeGossipAddr(t), APIListen: "127.0.0.1:0", StateDir: dir, Runtime: agent.RuntimeNone,
		PodAttach: rt, PodRuntime: rt, ProbeInterval: 100 * time.Millisecond, PushPullInterval: 500 * time.Millisecond,
		Logger: streamTestLogger(),
	}
	if configure != nil {
		configure(&cfg)
	}
	a, err := agent.Start(context.Background(), cfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { a.Shutdown(false) })
	return a, dir
}

// streamTestLogger discards the agents' logs unless KUBECTL_TEST_LOG is set.
func streamTestLogger() *slog.Logger {
	if os.Getenv("KUBECTL_TEST_LOG") == "" {
		return slog.New(slog.DiscardHandler)
	}
	return slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelDebug}))
}

// streamFreeGossipAddr finds a loopback port free for both TCP and UDP, as gossip needs both.
func streamFreeGossipAddr(t *testing.T) string {
	t.Helper()
	for range 50 {
		l, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		addr := l.Addr().String()
		u, err := net.ListenPacket("udp", addr)
		l.Close()
		if err != nil {
			continue
		}
		u.Close()
		return addr
	}
	t.Fatal("no free loopback port for gossip")
	return ""
}

func streamAliveMembers(a *agent.Agent) int {
	n := 0
	for _, m := range a.Node().Members() {
		if m.State.String() == "alive" {
			n++
		}
	}
	return n
}

func streamWait(t *testing.T, within time.Duration, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(within)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out after %s waiting until %s", within, what)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// streamCall makes one request of an API and returns its code and body.
func streamCall(t *testing.T, client *http.Client, server, token, method, path, contentType, body string) (int, string) {
	t.Helper()
	req, err := http.NewRequest(method, server+path, strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	if contentType != "" {
		req.Header.Set("Content-Type", contentType)
	}
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	resp, err := client.Do(req.WithContext(ctx))
	if err != nil {
		t.Fatalf("%s %s: %v", method, path, err)
	}
	defer resp.Body.Close()
	data, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(data)
}

// streamServerFor is the URL kubectl reaches an agent's API at: the agent itself when it
// serves the compatible API's discovery; otherwise a streamFront before it.
func streamServerFor(t *testing.T, sc *streamCluster, agentURL string) string {
	t.Helper()
	var versions metav1.APIVersions
	if code, body := streamCall(t, sc.client, agentURL, sc.token, http.MethodGet, "/api", "", ""); code == http.StatusOK &&
		json.Unmarshal([]byte(body), &versions) == nil && len(versions.Versions) > 0 {
		return agentURL
	}
	cert, err := tls.LoadX509KeyPair(sc.caFile, sc.keyFile)
	if err != nil {
		t.Fatal(err)
	}
	front := httptest.NewUnstartedServer(streamFront(t, sc.client, agentURL, sc.token))
	front.TLS = &tls.Config{Certificates: []tls.Certificate{cert}}
	front.StartTLS()
	t.Cleanup(front.Close)
	return front.URL
}

// streamFront answers, before an agent, the discovery of the pods and the reads of a pod
// that kubectl makes before it asks for a pod's log or runs a command in it, as the
// compatible API answers them, for an agent that does not serve them; everything else,
// the log and exec themselves included (websocket upgrades too), goes to the agent as it
// came.
func streamFront(t *testing.T, client *http.Client, agentURL, token string) http.Handler {
	target, err := url.Parse(agentURL)
	if err != nil {
		t.Fatal(err)
	}
	proxy := httputil.NewSingleHostReverseProxy(target)
	proxy.FlushInterval = -1
	proxy.Transport = client.Transport
	writeJSON := func(w http.ResponseWriter, v any) {
		w.Header().Set("Content-Type", "application/json")
		_ = json.NewEncoder(w).Encode(v)
	}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		parts := strings.Split(strings.Trim(r.URL.Path, "/"), "/")
		switch {
		case r.URL.Path == "/api":
			writeJSON(w, metav1.APIVersions{TypeMeta: metav1.TypeMeta{Kind: "APIVersions"}, Versions: []string{"v1"},
				ServerAddressByClientCIDRs: []metav1.ServerAddressByClientCIDR{{ClientCIDR: "0.0.0.0/0", ServerAddress: r.Host}}})
		case r.URL.Path == "/apis":
			writeJSON(w, metav1.APIGroupList{TypeMeta: metav1.TypeMeta{Kind: "APIGroupList", APIVersion: "v1"}, Groups: []metav1.APIGroup{}})
		case r.URL.Path == "/api/v1":
			writeJSON(w, metav1.APIResourceList{TypeMeta: metav1.TypeMeta{Kind: "APIResourceList", APIVersion: "v1"}, GroupVersion: "v1",
				APIResources: []metav1.APIResource{
					{Name: "pods", SingularName: "pod", Namespaced: true, Kind: "Pod", Verbs: metav1.Verbs{"get", "list"}, ShortNames: []string{"po"}},
					{Name: "pods/log", Namespaced: true, Kind: "Pod", Verbs: metav1.Verbs{"get"}},
					{Name: "pods/exec", Namespaced: true, Kind: "PodExecOptions", Verbs: metav1.Verbs{"create", "get"}},
				}})
		case r.Method == http.MethodGet && len(parts) == 6 && parts[2] == "namespaces" && parts[4] == "pods":
			code, body := streamCall(t, client, agentURL, token, http.MethodGet, "/api/v1/pods?namespace="+url.QueryEscape(parts[3]), "", "")
			var l corev1.PodList
			if code != http.StatusOK || json.Unmarshal([]byte(body), &l) != nil {
				http.Error(w, body, code)
				return
			}
			for _, p := range l.Items {
				if p.Name == parts[5] {
					p.TypeMeta = metav1.TypeMeta{Kind: "Pod", APIVersion: "v1"}
					writeJSON(w, p)
					return
				}
			}
			w.WriteHeader(http.StatusNotFound)
			writeJSON(w, metav1.Status{TypeMeta: metav1.TypeMeta{Kind: "Status", APIVersion: "v1"}, Status: metav1.StatusFailure,
				Reason: metav1.StatusReasonNotFound, Code: http.StatusNotFound, Message: fmt.Sprintf("pods %q not found", parts[5])})
		default:
			proxy.ServeHTTP(w, r)
		}
	})
}

// streamKubeconfig writes a kubeconfig for the cluster's server with token, namespace default, and
// returns its path.
func streamKubeconfig(t *testing.T, sc *streamCluster, token string) string {
	t.Helper()
	cfg := fmt.Sprintf(`apiVersion: v1
kind: Config
clusters:
- name: swarm
  cluster:
    server: %s
    certificate-authority: %s
contexts:
- name: swarm
  context:
    cluster: swarm
    user: swarm
    namespace: default
current-context: swarm
users:
- name: swarm
  user:
    token: %s
`, sc.server, sc.caFile, token)
	path := filepath.Join(t.TempDir(), "kubeconfig")
	if err := os.WriteFile(path, []byte(cfg), 0o600); err != nil {
		t.Fatal(err)
	}
	return path
}

// streamKubectlResult is what a kubectl run printed and how it ended.
type streamKubectlResult struct {
	stdout, stderr string
	code           int
}

// streamNeedKubectl skips a test when kubectl is not installed.
func streamNeedKubectl(t *testing.T) {
	t.Helper()
	if _, err := os.Stat(streamKubectlBinary); err != nil {
		t.Skipf("kubectl not found: %v", err)
	}
}

// streamRunKubectl runs kubectl with kubeconfig and args, stdin as its input, for at most a
// minute.
func streamRunKubectl(t *testing.T, kubeconfig string, stdin io.Reader, args ...string) streamKubectlResult {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	cmd := streamKubectlCommand(ctx, t, kubeconfig, args...)
	var stdout, stderr bytes.Buffer
	cmd.Stdin, cmd.Stdout, cmd.Stderr = stdin, &stdout, &stderr
	err := cmd.Run()
	res := streamKubectlResult{stdout: stdout.String(), stderr: stderr.String(), code: cmd.ProcessState.ExitCode()}
	if ctx.Err() != nil {
		t.Fatalf("kubectl %s did not end within a minute: %v\n%s", strings.Join(args, " "), err, res.stderr)
	}
	return res
}

// streamKubectlCommand is kubectl with kubeconfig and args, its cache in a folder of the test.
func streamKubectlCommand(ctx context.Context, t *testing.T, kubeconfig string, args ...string) *exec.Cmd {
	cmd := exec.CommandContext(ctx, streamKubectlBinary, args...)
	cmd.Env = append(os.Environ(), "KUBECONFIG="+kubeconfig, "HOME="+t.TempDir())
	return cmd
}
