package main

import (
	"bytes"
	"errors"
	"fmt"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/podman-swarm/podman-swarm/agent"
	"github.com/podman-swarm/podman-swarm/api"
	"github.com/podman-swarm/podman-swarm/cluster"
)

// fillStore writes filler values through a until the store refuses even the smallest.
func fillStore(t *testing.T, a *agent.Agent) {
	t.Helper()
	i := 0
	for size := cluster.MaxValueBytes; size > 0; size /= 2 {
		for {
			_, err := a.Node().Put(fmt.Sprintf("test/filler/%d", i), bytes.Repeat([]byte{'f'}, size))
			if errors.Is(err, cluster.ErrStoreFull) {
				break
			}
			if err != nil {
				t.Fatalf("fill the store: %v", err)
			}
			i++
		}
	}
}

// waitOutput runs f until its output matches every pattern, or fails the test.
func waitOutput(t *testing.T, what string, f func(out *bytes.Buffer) error, patterns ...string) string {
	t.Helper()
	var out bytes.Buffer
	for deadline := time.Now().Add(5 * time.Second); ; time.Sleep(50 * time.Millisecond) {
		out.Reset()
		err := f(&out)
		ok := err == nil
		for _, p := range patterns {
			ok = ok && regexp.MustCompile(p).MatchString(out.String())
		}
		if ok {
			return out.String()
		}
		if time.Now().After(deadline) {
			t.Fatalf("%s: %v\n%s\nwant every one of %q", what, err, out.String(), patterns)
		}
	}
}

// When the leader cannot write the assignments of pods the cluster accepted (here: the
// store is full, and a scale up takes no more room), get and describe show those pods
// Pending with the reason, and the node as StoreFailing; once there is room, they do not.
func TestGetAndDescribeShowWhyPodsAreNotPlaced(t *testing.T) {
	a, stateDir := startLiveAgent(t, "n1", t.TempDir())
	token, err := api.ReadTokenFile(filepath.Join(stateDir, api.TokenFile))
	if err != nil {
		t.Fatal(err)
	}
	c := testClient(t, a.APIAddr(), token)
	if err := runApply(c, webWithHostPort(t), false, nil, &bytes.Buffer{}); err != nil {
		t.Fatal(err)
	}
	// One node: one pod runs, the others wait for port 8080.
	if err := runScale(c, "default", "deployment/web", 3, &bytes.Buffer{}); err != nil {
		t.Fatal(err)
	}
	getPods := func(out *bytes.Buffer) error {
		return runGet(c, getOptions{namespace: "default", output: "wide"}, "pods", out)
	}
	waitOutput(t, "3 pods recorded", getPods, `(?m)^web-\S+\s+0/1\s+Pending\s+0\s+(<unknown>|\d+[smhd])\s+10\.42\.\d+\.\d+\s+n1\s+<none>$`,
		`(?s)(port 8080/TCP in use.*){2}`)
	fillStore(t, a)
	if err := runScale(c, "default", "deployment/web", 5, &bytes.Buffer{}); err != nil {
		t.Fatalf("scale up on a full store: %v", err)
	}

	const why = "not placed yet: the leader n1 cannot write to its store: the store is full"
	out := waitOutput(t, "get pods -o wide", getPods, `(?s)(`+why+`.*){2}`)
	t.Logf("swarm get pods -o wide:\n%s", out)
	var unplaced []string
	for _, line := range strings.Split(out, "\n") {
		if strings.HasSuffix(line, why) {
			if !regexp.MustCompile(`^web-\S+\s+0/1\s+Pending\s+0\s+(<unknown>|\d+[smhd])\s+<none>\s+`).MatchString(line) {
				t.Errorf("pod line %q", line)
			}
			unplaced = append(unplaced, strings.Fields(line)[0])
		}
	}
	if len(unplaced) != 2 {
		t.Fatalf("%d pods not placed, want 2:\n%s", len(unplaced), out)
	}
	// A label selector lists them too; one that matches nothing, none.
	var selected bytes.Buffer
	if err := runGet(c, getOptions{namespace: "default", selector: "app=web", output: "name"}, "pods", &selected); err != nil ||
		!strings.Contains(selected.String(), "pod/"+unplaced[0]+"\n") || !strings.Contains(selected.String(), "pod/"+unplaced[1]+"\n") {
		t.Errorf("get pods -l app=web: %v\n%s", err, selected.String())
	}
	selected.Reset()
	if err := runGet(c, getOptions{namespace: "default", selector: "app=db"}, "pods", &selected); err != nil || selected.String() != "No resources found in default namespace.\n" {
		t.Errorf("get pods -l app=db: %v\n%s", err, selected.String())
	}
	var desc bytes.Buffer
	if err := runDescribeKind(c, "pod", "default", unplaced[0], &desc); err != nil ||
		!regexp.MustCompile(`(?m)^Node:\s+<none>$`).MatchString(desc.String()) ||
		!regexp.MustCompile(`(?m)^Status:\s+Pending$`).MatchString(desc.String()) ||
		!regexp.MustCompile(`(?m)^Reason:\s+`+why+`$`).MatchString(desc.String()) {
		t.Errorf("describe pod: %v\n%s", err, desc.String())
	}
	t.Logf("swarm describe pod:\n%s", desc.String())
	desc.Reset()
	if err := runDescribeKind(c, "deployment", "default", "web", &desc); err != nil ||
		!regexp.MustCompile(`(?m)^  `+unplaced[1]+`\s+<none>\s+Pending\s+`+why+`$`).MatchString(desc.String()) ||
		!regexp.MustCompile(`(?m)^Conditions:\n  ReplicaFailure:\s+True \(FailedCreate\)\s+the leader n1 cannot write to its store: the store is full$`).MatchString(desc.String()) {
		t.Errorf("describe deployment: %v\n%s", err, desc.String())
	}
	t.Logf("swarm describe deployment:\n%s", desc.String())
	getNodes := func(out *bytes.Buffer) error { return runGet(c, getOptions{}, "nodes", out) }
	waitOutput(t, "get nodes", getNodes, `(?m)^n1\s+Ready,StoreFailing\s+leader\s`)
	desc.Reset()
	if err := runDescribeKind(c, "node", "", "n1", &desc); err != nil ||
		!regexp.MustCompile(`(?m)^Conditions:$`).MatchString(desc.String()) ||
		!regexp.MustCompile(`(?m)^  StoreFailing:\s+True \(StoreWriteFailed since \S+\)\s+the node cannot write to its store: the store is full$`).MatchString(desc.String()) {
		t.Errorf("describe node: %v\n%s", err, desc.String())
	}
	t.Logf("swarm describe node:\n%s", desc.String())

	// Room again: the leader writes its plan; the pods wait for the port like the others.
	if _, err := a.Node().Delete("test/filler/0"); err != nil {
		t.Fatal(err)
	}
	out = waitOutput(t, "get pods -o wide with room again", getPods, `(?s)(port 8080/TCP in use.*){4}`)
	if strings.Contains(out, "not placed yet") {
		t.Errorf("a reason stayed:\n%s", out)
	}
	waitOutput(t, "get nodes with room again", getNodes, `(?m)^n1\s+Ready\s+leader\s`)
	desc.Reset()
	if err := runDescribeKind(c, "deployment", "default", "web", &desc); err != nil || strings.Contains(desc.String(), "Conditions:") {
		t.Errorf("describe deployment with room again: %v\n%s", err, desc.String())
	}
}

func TestNodeStatusShowsAFailingStore(t *testing.T) {
	n := &corev1.Node{Status: corev1.NodeStatus{Conditions: []corev1.NodeCondition{
		{Type: corev1.NodeReady, Status: corev1.ConditionTrue},
		{Type: "StoreFailing", Status: corev1.ConditionFalse},
	}}}
	if got := nodeStatus(n); got != "Ready" {
		t.Errorf("healthy node: %q", got)
	}
	n.Status.Conditions[1].Status = corev1.ConditionTrue
	if got := nodeStatus(n); got != "Ready,StoreFailing" {
		t.Errorf("failing store: %q", got)
	}
	n.Status.Conditions[0].Status = corev1.ConditionFalse
	n.Status.Conditions[1].Status = corev1.ConditionUnknown
	if got := nodeStatus(n); got != "NotReady" {
		t.Errorf("dead node: %q", got)
	}
}

func TestDescribeNodeListsConditions(t *testing.T) {
	since := metav1.NewTime(time.Date(2026, 12, 4, 10, 0, 0, 0, time.UTC))
	n := &corev1.Node{ObjectMeta: metav1.ObjectMeta{Name: "n0"}, Status: corev1.NodeStatus{Conditions: []corev1.NodeCondition{
		{Type: corev1.NodeReady, Status: corev1.ConditionTrue, Reason: "NodeAlive", LastTransitionTime: since},
		{Type: "StoreFailing", Status: corev1.ConditionTrue, Reason: "StoreWriteFailed", LastTransitionTime: since,
			Message: "the node cannot write to its store: no space left on device"},
	}}}
	var out bytes.Buffer
	if err := describeNode(&out, n, nil); err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{
		"\nConditions:\n",
		"\n  Ready:        True (NodeAlive since 2026-12-04T10:00:00Z)",
		"\n  StoreFailing: True (StoreWriteFailed since 2026-12-04T10:00:00Z) the node cannot write to its store: no space left on device\n",
	} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("describe node lacks %q:\n%s", want, out.String())
		}
	}
}
