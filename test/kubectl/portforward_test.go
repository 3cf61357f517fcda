package kubectl_test

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"

	"github.com/podman-swarm/podman-swarm/agent/store"
)

// markRunning records the cluster's pod as running on its node, as the node's runtime
// would, and waits until the node kubectl talks to sees it: kubectl port-forward refuses a
// pod that does not run.
func (sc *podCluster) markRunning(t *testing.T) {
	t.Helper()
	rec, err := json.Marshal(store.PodStatus{Node: sc.podNode.agent.Node().Name(), Phase: corev1.PodRunning, Updated: time.Now()})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := sc.podNode.agent.Node().Put(store.StatusKey("default/"+sc.pod), rec); err != nil {
		t.Fatal(err)
	}
	eventually(t, 20*time.Second, "the other node sees the pod run", func() bool {
		var l corev1.PodList
		code, body := sc.get(sc.admin, "/api/v1/pods")
		return code == http.StatusOK && json.Unmarshal([]byte(body), &l) == nil && len(l.Items) == 1 && l.Items[0].Status.Phase == corev1.PodRunning
	})
}

// echoUpper serves on loopback, one line at a time, each line it reads in capitals; it
// stands for the pod's port.
func echoUpper(t *testing.T) int {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { l.Close() })
	go func() {
		for {
			c, err := l.Accept()
			if err != nil {
				return
			}
			go func() {
				defer c.Close()
				lines := bufio.NewScanner(c)
				for lines.Scan() {
					fmt.Fprintln(c, strings.ToUpper(lines.Text()))
				}
			}()
		}
	}()
	return l.Addr().(*net.TCPAddr).Port
}

// kubectl port-forward reaches a port of the pod from any node, over the websocket that
// carries SPDY, one pair of streams per connection; a port nothing listens on is an error
// the pod's node sends back, which kubectl prints.
func TestKubectlPortForward(t *testing.T) {
	sc := startPodCluster(t)
	sc.markRunning(t)
	port := echoUpper(t)
	kc := sc.other.kubeconfig

	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	cmd := sc.command(ctx, kc, "port-forward", "pod/"+sc.pod, ":"+strconv.Itoa(port))
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	var stderr strings.Builder
	cmd.Stderr = &stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	defer func() { _ = cmd.Process.Kill(); _ = cmd.Wait() }()
	lines := bufio.NewScanner(out)
	forwarding := regexp.MustCompile(`^Forwarding from 127\.0\.0\.1:(\d+) -> ` + strconv.Itoa(port) + `$`)
	local := ""
	for local == "" && lines.Scan() {
		if m := forwarding.FindStringSubmatch(lines.Text()); m != nil {
			local = m[1]
		}
	}
	if local == "" {
		t.Fatalf("kubectl port-forward did not forward: %v\n%s", lines.Err(), stderr.String())
	}
	go func() { _, _ = io.Copy(io.Discard, out) }()
	// Two connections at once, each its own pair of streams.
	var conns []net.Conn
	for range 2 {
		c, err := net.Dial("tcp", "127.0.0.1:"+local)
		if err != nil {
			t.Fatal(err)
		}
		defer c.Close()
		conns = append(conns, c)
	}
	for round := range 3 {
		for i, c := range conns {
			_ = c.SetDeadline(time.Now().Add(20 * time.Second))
			msg := fmt.Sprintf("hello %d from %d", round, i)
			if _, err := fmt.Fprintln(c, msg); err != nil {
				t.Fatal(err)
			}
			got, err := bufio.NewReader(c).ReadString('\n')
			if err != nil || got != strings.ToUpper(msg)+"\n" {
				t.Fatalf("connection %d round %d: %q %v\n%s", i, round, got, err, stderr.String())
			}
		}
	}
	want := fmt.Sprintf("portforward default/%s %d", sc.pod, port)
	if calls := sc.podNode.runtime.seen(); len(calls) != 2 || calls[0] != want || calls[1] != want {
		t.Errorf("the pod's node forwarded %q, want %q twice", calls, want)
	}
	if calls := sc.other.runtime.seen(); len(calls) != 0 {
		t.Errorf("the node that does not run the pod forwarded %q", calls)
	}
}

// A port nothing listens on: the pod's node says why on the error stream, and kubectl
// prints it.
func TestKubectlPortForwardToAClosedPort(t *testing.T) {
	sc := startPodCluster(t)
	sc.markRunning(t)
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	closed := l.Addr().(*net.TCPAddr).Port
	l.Close()
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	cmd := sc.command(ctx, sc.other.kubeconfig, "port-forward", sc.pod, ":"+strconv.Itoa(closed))
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	var stderr strings.Builder
	cmd.Stderr = &stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	defer func() { _ = cmd.Process.Kill(); _ = cmd.Wait() }()
	lines := bufio.NewScanner(out)
	forwarding := regexp.MustCompile(`^Forwarding from 127\.0\.0\.1:(\d+) -> `)
	local := ""
	for local == "" && lines.Scan() {
		if m := forwarding.FindStringSubmatch(lines.Text()); m != nil {
			local = m[1]
		}
	}
	if local == "" {
		t.Fatalf("kubectl port-forward did not forward: %v\n%s", lines.Err(), stderr.String())
	}
	go func() { _, _ = io.Copy(io.Discard, out) }()
	c, err := net.Dial("tcp", "127.0.0.1:"+local)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	_ = c.SetDeadline(time.Now().Add(20 * time.Second))
	if n, err := c.Read(make([]byte, 1)); err == nil {
		t.Errorf("a closed port answered %d bytes", n)
	}
	_ = cmd.Wait()
	if want := fmt.Sprintf("error forwarding port %d to pod default/%s", closed, sc.pod); !strings.Contains(stderr.String(), want) {
		t.Errorf("kubectl printed %q, want %q in it", stderr.String(), want)
	}
	if !strings.Contains(stderr.String(), "lost connection to pod") {
		t.Errorf("kubectl went on after the error: %q", stderr.String())
	}
}
