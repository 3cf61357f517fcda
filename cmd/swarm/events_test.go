package main

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/podman-swarm/podman-swarm/agent"
	"github.com/podman-swarm/podman-swarm/agent/store"
	"github.com/podman-swarm/podman-swarm/api"
	"github.com/podman-swarm/podman-swarm/cluster"
)

const eventsManifest = `apiVersion: apps/v1
kind: Deployment
metadata: {name: web}
spec:
  replicas: 1
  selector: {matchLabels: {app: web}}
  template:
    metadata: {labels: {app: web}}
    spec:
      containers: [{name: main, image: localhost/web:1}]
---
apiVersion: v1
kind: Service
metadata: {name: web}
spec:
  selector: {app: web}
  ports: [{port: 80}]
`

// TestEventsInGetAndDescribe: a write lost to a concurrent one shows, from every node, in
// swarm get events and at the end of swarm describe of its object. The concurrent write is
// made straight into one node's store with a lineage that has not seen the other node's
// version, as a node on the other side of a partition writes (the agent's own tests cut
// the links for real).
func TestEventsInGetAndDescribe(t *testing.T) {
	a1, _ := startLiveAgent(t, "n1", t.TempDir())
	a2, dir2 := startLiveAgent(t, "n2", t.TempDir(), func(c *agent.Config) {
		c.Join, c.JoinToken = []string{a1.Node().Addr()}, a1.Node().JoinToken()
	})
	token, err := os.ReadFile(filepath.Join(dir2, api.TokenFile))
	if err != nil {
		t.Fatal(err)
	}
	c1 := testClient(t, a1.APIAddr(), strings.TrimSpace(string(token)))
	c2 := testClient(t, a2.APIAddr(), strings.TrimSpace(string(token)))
	waitUntil(t, "both nodes see each other", func() bool {
		return len(a1.Node().Members()) == 2 && len(a2.Node().Members()) == 2
	})

	file := filepath.Join(t.TempDir(), "web.yaml")
	if err := os.WriteFile(file, []byte(eventsManifest), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := runApply(c2, file, false, nil, &bytes.Buffer{}); err != nil {
		t.Fatal(err)
	}
	const key = "deployment/default/web"
	var held cluster.Entry
	waitUntil(t, "n1 holds n2's Deployment", func() bool {
		var ok bool
		held, ok = a1.Node().Get(key)
		return ok && held.Version.Node == "n2"
	})
	var d appsv1.Deployment
	if err := json.Unmarshal(held.Value, &d); err != nil {
		t.Fatal(err)
	}
	d.Spec.Template.Spec.Containers[0].Image = "localhost/web:2"
	concurrent, err := store.WithResourceVersion(key, mustMarshal(t, &d), store.Lineage{}.String())
	if err != nil {
		t.Fatal(err)
	}
	if _, err := a1.Node().Put(key, concurrent); err != nil {
		t.Fatal(err)
	}

	for _, c := range []*client{c1, c2} {
		var out bytes.Buffer
		waitUntil(t, "get events lists the WriteConflict", func() bool {
			out.Reset()
			return runGet(c, getOptions{namespace: "default"}, "events", &out) == nil && strings.Contains(out.String(), "WriteConflict")
		})
		lines := strings.Split(strings.TrimSpace(out.String()), "\n")
		if len(lines) != 2 || !regexpMatch(`^LAST SEEN +TYPE +REASON +OBJECT +MESSAGE$`, lines[0]) ||
			!regexpMatch(`^\d+s +Warning +WriteConflict +deployment/web +a concurrent change made through node n1 at .* replaced this change made through node n2 \(answered 'created' at .*spec\.template\.spec\.containers\[0\]\.image`, lines[1]) {
			t.Errorf("get events printed:\n%s", out.String())
		}

		out.Reset()
		if err := runGet(c, getOptions{allNamespaces: true, output: "wide"}, "ev", &out); err != nil {
			t.Fatal(err)
		}
		lines = strings.Split(strings.TrimSpace(out.String()), "\n")
		if len(lines) != 2 || !regexpMatch(`^NAMESPACE +LAST SEEN +TYPE +REASON +OBJECT +MESSAGE +SOURCE +FIRST SEEN +COUNT +NAME$`, lines[0]) ||
			!regexpMatch(`^default +\d+s +Warning +WriteConflict +deployment/web +a concurrent .* +n2 +\d+s +1 +web\.[0-9a-f]{16}$`, lines[1]) {
			t.Errorf("get events -A -o wide printed:\n%s", out.String())
		}

		out.Reset()
		if err := runDescribeKind(c, "deployment", "default", "web", &out); err != nil {
			t.Fatal(err)
		}
		_, events, ok := strings.Cut(out.String(), "\nEvents:\n")
		lines = strings.Split(strings.TrimSpace(events), "\n")
		if !ok || len(lines) != 3 || !regexpMatch(`^Type +Reason +Age +From +Message$`, lines[0]) ||
			!regexpMatch(`^  Warning +WriteConflict +\d+s +n2 +a concurrent change made through node n1 `, lines[2]) {
			t.Errorf("describe deployment printed:\n%s", out.String())
		}

		if c == c1 {
			t.Logf("swarm describe deployment web:\n%s", out.String())
		}
		out.Reset()
		if err := runDescribeKind(c, "svc", "default", "web", &out); err != nil {
			t.Fatal(err)
		}
		if !strings.HasSuffix(out.String(), "\nEvents:  <none>\n") {
			t.Errorf("describe service printed:\n%s", out.String())
		}

		out.Reset()
		if err := runGet(c, getOptions{namespace: "shop"}, "events", &out); err != nil || out.String() != "No resources found in shop namespace.\n" {
			t.Errorf("get events -n shop: %v %q", err, out.String())
		}
	}
}

func TestPrintEvents(t *testing.T) {
	now := time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)
	var out bytes.Buffer
	if err := printEvents(&out, nil, now); err != nil || out.String() != "Events:  <none>\n" {
		t.Errorf("no events: %v %q", err, out.String())
	}
	out.Reset()
	evs := []corev1.Event{{
		Type: corev1.EventTypeNormal, Reason: "Scheduled", Message: "placed", Count: 3,
		Source:         corev1.EventSource{Host: "n1"},
		FirstTimestamp: metav1.NewTime(now.Add(-5 * time.Minute)), LastTimestamp: metav1.NewTime(now.Add(-30 * time.Second)),
	}, {
		Type: corev1.EventTypeWarning, Reason: "WriteConflict", Message: "lost", Count: 1,
		FirstTimestamp: metav1.NewTime(now.Add(-2 * time.Hour)), LastTimestamp: metav1.NewTime(now.Add(-2 * time.Hour)),
	}}
	if err := printEvents(&out, evs, now); err != nil {
		t.Fatal(err)
	}
	want := "Events:\n" +
		"  Type     Reason         Age               From    Message\n" +
		"  ----     ------         ----              ----    -------\n" +
		"  Normal   Scheduled      30s (x3 over 5m)  n1      placed\n" +
		"  Warning  WriteConflict  2h                <none>  lost\n"
	if out.String() != want {
		t.Errorf("printEvents:\n%s\nwant:\n%s", out.String(), want)
	}
}

func waitUntil(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(15 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting until %s", what)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

func mustMarshal(t *testing.T, v any) []byte {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func regexpMatch(pattern, s string) bool {
	return regexp.MustCompile(pattern).MatchString(s)
}
