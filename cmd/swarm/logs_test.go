package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

func TestLogsTargetOf(t *testing.T) {
	for _, c := range []struct {
		args     []string
		selector string
		kind     string
		name     string
		err      string
	}{
		{[]string{"web-1"}, "", "pod", "web-1", ""},
		{[]string{"pod/web-1"}, "", "pod", "web-1", ""},
		{[]string{"deploy/web"}, "", "deployment", "web", ""},
		{[]string{"sts/kv"}, "", "statefulset", "kv", ""},
		{[]string{"daemonset/logs"}, "", "daemonset", "logs", ""},
		{[]string{"job/migrate"}, "", "job", "migrate", ""},
		{nil, "app=web,tier!=db", "selector", "app=web,tier!=db", ""},
		{[]string{"web"}, "app=web", "", "", "only a selector (-l) or a POD name is allowed"},
		{nil, "app in (web", "", "", `invalid selector "app in (web"`},
		{[]string{"service/web"}, "", "", "", `cannot get the logs of "service/web"`},
		{nil, "", "", "", "give a POD, TYPE/NAME or -l SELECTOR"},
	} {
		got, err := logsTargetOf(c.args, c.selector)
		if c.err != "" {
			if err == nil || !strings.Contains(err.Error(), c.err) {
				t.Errorf("logsTargetOf(%v, %q): %v, want %q", c.args, c.selector, err, c.err)
			}
			continue
		}
		if err != nil || got.kind != c.kind || got.name != c.name {
			t.Errorf("logsTargetOf(%v, %q) = %+v, %v", c.args, c.selector, got, err)
		}
	}
}

func logsPod(name, node, owner string, podLabels map[string]string, containers ...string) corev1.Pod {
	p := corev1.Pod{ObjectMeta: metav1.ObjectMeta{Name: name, Namespace: "default", Labels: podLabels}, Spec: corev1.PodSpec{NodeName: node}}
	for _, c := range containers {
		p.Spec.Containers = append(p.Spec.Containers, corev1.Container{Name: c})
	}
	if owner != "" {
		p.OwnerReferences = []metav1.OwnerReference{{Kind: "Deployment", Name: owner}}
	}
	return p
}

func TestLogStreamsOfAWorkload(t *testing.T) {
	pods := []corev1.Pod{
		logsPod("web-b", "n1", "web", map[string]string{"app": "web"}, "web", "side"),
		logsPod("web-a", "n0", "web", map[string]string{"app": "web"}, "web"),
		logsPod("web-c", "", "web", map[string]string{"app": "web"}, "web"),
		logsPod("api-a", "n0", "api", map[string]string{"app": "api"}, "api"),
	}
	target, _ := logsTargetOf([]string{"deployment/web"}, "")
	streams, unplaced := logStreams(pods, target, "", true)
	var got []string
	for _, s := range streams {
		got = append(got, s.prefix)
	}
	if want := "[pod/web-a/web] ,[pod/web-b/web] ,[pod/web-b/side] "; strings.Join(got, ",") != want || unplaced != 1 {
		t.Errorf("streams %q, %d unplaced; want %q, 1", strings.Join(got, ","), unplaced, want)
	}
	target, _ = logsTargetOf(nil, "app=web")
	streams, _ = logStreams(pods, target, "", false)
	if len(streams) != 2 || streams[0].container != "web" || streams[1].container != "" || streams[1].prefix != "[pod/web-b] " {
		t.Errorf("selector streams %+v; want web-a's only container, and web-b's left to the API", streams)
	}
}

func TestLineWriterKeepsLinesWhole(t *testing.T) {
	var out bytes.Buffer
	var mu sync.Mutex
	var wg sync.WaitGroup
	for i := range 4 {
		wg.Go(func() {
			w := &lineWriter{mu: &mu, out: &out, prefix: fmt.Sprintf("[%d] ", i)}
			for j := range 50 {
				// Each line in three writes, cut anywhere.
				fmt.Fprintf(w, "line %d", j)
				fmt.Fprintf(w, " of %d", i)
				fmt.Fprint(w, "\n")
			}
			fmt.Fprint(w, "no newline")
			w.flush()
		})
	}
	wg.Wait()
	lines := strings.Split(strings.TrimSuffix(out.String(), "\n"), "\n")
	if len(lines) != 4*51 {
		t.Fatalf("%d lines, want %d", len(lines), 4*51)
	}
	for _, l := range lines {
		var i, j, k int
		if _, err := fmt.Sscanf(l, "[%d] line %d of %d", &i, &j, &k); err != nil || i != k {
			if _, err := fmt.Sscanf(l, "[%d] no newline", &i); err != nil {
				t.Errorf("mixed line %q", l)
			}
		}
	}
}

// logsServer is an agent's API on loopback as far as swarm logs uses it: the pods, and
// each container's log, which repeats the query it was asked with.
func logsServer(t *testing.T, pods []corev1.Pod) *client {
	t.Helper()
	mux := http.NewServeMux()
	mux.HandleFunc("GET /api/v1/deployments/default/web", func(w http.ResponseWriter, r *http.Request) {
		fmt.Fprint(w, `{"kind":"Deployment","metadata":{"name":"web"}}`)
	})
	mux.HandleFunc("GET /api/v1/pods", func(w http.ResponseWriter, r *http.Request) {
		_ = json.NewEncoder(w).Encode(map[string]any{"items": pods})
	})
	mux.HandleFunc("GET /api/v1/pods/default/{name}/logs", func(w http.ResponseWriter, r *http.Request) {
		q := r.URL.Query()
		if q.Get("container") == "broken" {
			w.WriteHeader(http.StatusConflict)
			fmt.Fprint(w, `{"message":"node n9 runs no pods (--runtime none), so there are no logs"}`)
			return
		}
		fmt.Fprintf(w, "%s says hello\n%s tail=%s since=%s timestamps=%s follow=%s\n", r.PathValue("name"), q.Get("container"),
			q.Get("tailLines"), q.Get("sinceSeconds"), q.Get("timestamps"), q.Get("follow"))
	})
	srv := httptest.NewServer(mux)
	t.Cleanup(srv.Close)
	return testClient(t, srv.URL, "")
}

func TestLogsOfEveryReplicaWithPrefixesAndOptions(t *testing.T) {
	pods := []corev1.Pod{
		logsPod("web-a", "n0", "web", map[string]string{"app": "web"}, "web"),
		logsPod("web-b", "n1", "web", map[string]string{"app": "web"}, "web", "side"),
	}
	c := logsServer(t, pods)
	var out, errOut bytes.Buffer
	o := logsOptions{namespace: "default", tail: 20, since: 90 * time.Second, timestamps: true, allContainers: true, maxRequests: 5, follow: true}
	target, _ := logsTargetOf([]string{"deployment/web"}, "")
	if err := runManyLogs(context.Background(), c, target, o, &out, &errOut); err != nil {
		t.Fatalf("logs: %v\n%s", err, errOut.String())
	}
	got := strings.Split(strings.TrimSuffix(out.String(), "\n"), "\n")
	sort.Strings(got)
	want := []string{
		"[pod/web-a/web] web tail=20 since=90 timestamps=true follow=true",
		"[pod/web-a/web] web-a says hello",
		"[pod/web-b/side] side tail=20 since=90 timestamps=true follow=true",
		"[pod/web-b/side] web-b says hello",
		"[pod/web-b/web] web tail=20 since=90 timestamps=true follow=true",
		"[pod/web-b/web] web-b says hello",
	}
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("followed logs:\n%s\nwant (in any order):\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}

	// --prefix=false, not following: one pod after the other, bare lines.
	out.Reset()
	o = logsOptions{namespace: "default", tail: -1, prefixSet: true, maxRequests: 5}
	target, _ = logsTargetOf(nil, "app=web")
	if err := runManyLogs(context.Background(), c, target, o, &out, &errOut); err != nil {
		t.Fatal(err)
	}
	if want := "web-a says hello\nweb tail= since= timestamps= follow=\nweb-b says hello\n tail= since= timestamps= follow=\n"; out.String() != want {
		t.Errorf("logs -l app=web --prefix=false:\n%s\nwant:\n%s", out.String(), want)
	}

	// Too many streams to follow, as kubectl says it.
	o = logsOptions{namespace: "default", tail: -1, allContainers: true, follow: true, maxRequests: 2}
	target, _ = logsTargetOf([]string{"deployment/web"}, "")
	if err := runManyLogs(context.Background(), c, target, o, &out, &errOut); err == nil ||
		err.Error() != "you are attempting to follow 3 log streams, but maximum allowed concurrency is 2, use --max-log-requests to increase the limit" {
		t.Errorf("following 3 streams with --max-log-requests 2: %v", err)
	}
}

func TestLogsReportAStreamThatFailsAndGoOn(t *testing.T) {
	c := logsServer(t, []corev1.Pod{
		logsPod("web-a", "n0", "web", nil, "web", "broken"),
	})
	var out, errOut bytes.Buffer
	target, _ := logsTargetOf([]string{"web-a"}, "")
	err := runManyLogs(context.Background(), c, target, logsOptions{namespace: "default", tail: -1, allContainers: true, maxRequests: 5}, &out, &errOut)
	if err == nil || err.Error() != "could not read 1 of 2 logs" {
		t.Errorf("err = %v", err)
	}
	if !strings.Contains(out.String(), "[pod/web-a/web] web-a says hello\n") ||
		!strings.Contains(errOut.String(), "error: [pod/web-a/broken] node n9 runs no pods (--runtime none), so there are no logs") {
		t.Errorf("out:\n%s\nerr:\n%s", out.String(), errOut.String())
	}
}
