package kubectl_test

import (
	"bufio"
	"context"
	"net/http"
	"regexp"
	"strings"
	"testing"
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// A pod's log on the compatible API is plain text from the pod's node, chosen by
// Kubernetes' options, whichever node is asked.
func TestPodLogOptions(t *testing.T) {
	sc := startPodCluster(t)
	logPath := "/api/v1/namespaces/default/pods/" + sc.pod + "/log"
	for _, c := range []struct {
		query, want, call string
	}{
		{"?container=main", "main line 1\nmain line 2\nmain line 3\nmain line 4\nmain line 5\n", "main"},
		{"?container=side&tailLines=2", "side line 4\nside line 5\n", "side tail=2"},
		{"?container=side&tailLines=0", "", "side tail=0"},
		{"?container=main&sinceSeconds=150", "main line 4\nmain line 5\n", "main since"},
		{"?container=main&limitBytes=15", "main line 1\nmai", "main"},
	} {
		code, body := sc.get(sc.admin, logPath+c.query)
		if code != http.StatusOK || body != c.want {
			t.Errorf("%s: %d %q, want %q", c.query, code, body, c.want)
		}
		want := "logs default/" + sc.pod + " " + c.call
		if calls := sc.podNode.runtime.seen(); len(calls) != 1 || calls[0] != want {
			t.Errorf("%s: the pod's node was asked %q, want %q", c.query, calls, want)
		}
	}
	if calls := sc.other.runtime.seen(); len(calls) != 0 {
		t.Errorf("the node that does not run the pod was asked %q", calls)
	}
	code, body := sc.get(sc.admin, logPath+"?container=main&timestamps=true&tailLines=1")
	if stamped := regexp.MustCompile(`^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?Z main line 5\n$`); code != http.StatusOK || !stamped.MatchString(body) {
		t.Errorf("timestamps: %d %q", code, body)
	}
	// A read-only token reads logs.
	if code, body := sc.get(sc.readOnly, logPath+"?container=side&tailLines=1"); code != http.StatusOK || body != "side line 5\n" {
		t.Errorf("read-only token: %d %q", code, body)
	}
}

// A log request that cannot be answered answers a Status with Kubernetes' code, reason and
// words.
func TestPodLogErrorsAreStatuses(t *testing.T) {
	sc := startPodCluster(t)
	logPath := "/api/v1/namespaces/default/pods/" + sc.pod + "/log"
	for _, c := range []struct {
		token, path string
		code        int32
		reason      metav1.StatusReason
		msg         string
	}{
		{sc.admin, logPath, 400, metav1.StatusReasonBadRequest, "a container name must be specified for pod " + sc.pod + ", choose one of: [main side]"},
		{sc.admin, logPath + "?container=nope", 400, metav1.StatusReasonBadRequest, "container nope is not valid for pod " + sc.pod},
		{sc.admin, "/api/v1/namespaces/default/pods/nope/log", 404, metav1.StatusReasonNotFound, `pods "nope" not found`},
		{sc.admin, "/api/v1/namespaces/other/pods/" + sc.pod + "/log", 404, metav1.StatusReasonNotFound, `pods "` + sc.pod + `" not found`},
		{sc.admin, logPath + "?container=main&tailLines=-1", 422, metav1.StatusReasonInvalid,
			`PodLogOptions "` + sc.pod + `" is invalid: tailLines: Invalid value: -1: must be greater than or equal to 0`},
		{sc.admin, logPath + "?container=main&tailLines=ten", 400, metav1.StatusReasonBadRequest, `tailLines: "ten" is not an integer`},
		{sc.admin, logPath + "?container=main&previous=true", 400, metav1.StatusReasonBadRequest, `previous=true is not supported`},
		{"", logPath + "?container=main", 401, metav1.StatusReasonUnauthorized, "this API needs a token"},
		{"not-a-token", logPath + "?container=main", 401, metav1.StatusReasonUnauthorized, ""},
	} {
		code, body := sc.get(c.token, c.path)
		st := statusOf(t, body)
		if code != int(c.code) || st.Code != c.code || st.Reason != c.reason || st.Status != metav1.StatusFailure || !strings.HasPrefix(st.Message, c.msg) {
			t.Errorf("%s: %d %+v, want %d %s %q", c.path, code, st, c.code, c.reason, c.msg)
		}
	}
	if calls := sc.podNode.runtime.seen(); len(calls) != 0 {
		t.Errorf("refused requests reached the runtime: %q", calls)
	}
}

// follow=true streams the log as it is written, through the node that passed it on, and
// ends on the pod's node when the client goes away.
func TestPodLogFollow(t *testing.T) {
	sc := startPodCluster(t)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet,
		sc.other.server+"/api/v1/namespaces/default/pods/"+sc.pod+"/log?container=side&follow=true&tailLines=1", nil)
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Authorization", "Bearer "+sc.admin)
	resp, err := sc.http.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK || resp.Header.Get("Content-Type") != "text/plain" {
		t.Fatalf("follow: %d %q", resp.StatusCode, resp.Header.Get("Content-Type"))
	}
	lines := bufio.NewScanner(resp.Body)
	next := func() string {
		if !lines.Scan() {
			t.Fatalf("the followed log ended: %v", lines.Err())
		}
		return lines.Text()
	}
	if l := next(); l != "side line 5" {
		t.Fatalf("first line %q", l)
	}
	for _, l := range []string{"new one", "new two"} {
		select {
		case sc.podNode.runtime.follow <- l:
		case <-time.After(20 * time.Second):
			t.Fatal("the pod's node does not follow the log")
		}
		if got := next(); got != l {
			t.Errorf("followed %q, want %q", got, l)
		}
	}
	cancel()
	eventually(t, 20*time.Second, "the pod's node stops following", func() bool { return sc.podNode.runtime.following.Load() == 0 })
}

// kubectl logs reads a pod's log from any node: the container it defaults to or the one
// named, --tail, --since, --timestamps; -f follows it until kubectl goes away.
func TestKubectlLogs(t *testing.T) {
	sc := startPodCluster(t)
	kc := sc.other.kubeconfig

	r := sc.kubectl(kc, nil, "logs", sc.pod)
	if r.code != 0 || r.stdout != "main line 1\nmain line 2\nmain line 3\nmain line 4\nmain line 5\n" ||
		!strings.Contains(r.stderr, `Defaulted container "main" out of: main, side`) {
		t.Errorf("logs: %d %q %q", r.code, r.stdout, r.stderr)
	}
	r = sc.kubectl(kc, nil, "logs", sc.pod, "-c", "side", "--tail=2")
	if r.code != 0 || r.stdout != "side line 4\nside line 5\n" {
		t.Errorf("logs -c side --tail=2: %d %q %q", r.code, r.stdout, r.stderr)
	}
	r = sc.kubectl(kc, nil, "logs", "pod/"+sc.pod, "-c", "main", "--since=150s")
	if r.code != 0 || r.stdout != "main line 4\nmain line 5\n" {
		t.Errorf("logs --since=150s: %d %q %q", r.code, r.stdout, r.stderr)
	}
	r = sc.kubectl(kc, nil, "logs", sc.pod, "-c", "main", "--tail=1", "--timestamps")
	if stamped := regexp.MustCompile(`^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?Z main line 5\n$`); r.code != 0 || !stamped.MatchString(r.stdout) {
		t.Errorf("logs --timestamps: %d %q %q", r.code, r.stdout, r.stderr)
	}
	r = sc.kubectl(kc, nil, "logs", sc.pod, "-c", "nope")
	if r.code == 0 || !strings.Contains(r.stderr, "container nope is not valid for pod "+sc.pod) {
		t.Errorf("logs -c nope: %d %q %q", r.code, r.stdout, r.stderr)
	}
	r = sc.kubectl(kc, nil, "logs", sc.pod, "-c", "main", "--previous")
	if r.code == 0 || !strings.Contains(r.stderr, "previous=true is not supported") {
		t.Errorf("logs --previous: %d %q %q", r.code, r.stdout, r.stderr)
	}
	want := []string{
		"logs default/" + sc.pod + " main",
		"logs default/" + sc.pod + " side tail=2",
		"logs default/" + sc.pod + " main since",
		"logs default/" + sc.pod + " main timestamps tail=1",
	}
	if calls := sc.podNode.runtime.seen(); strings.Join(calls, "\n") != strings.Join(want, "\n") {
		t.Errorf("the pod's node was asked %q, want %q", calls, want)
	}
	// A read-only token reads logs.
	if r := sc.kubectl(sc.other.roKubeconfig, nil, "logs", sc.pod, "-c", "side", "--tail=1"); r.code != 0 || r.stdout != "side line 5\n" {
		t.Errorf("logs with a read-only token: %d %q %q", r.code, r.stdout, r.stderr)
	}

	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	cmd := sc.command(ctx, kc, "logs", "-f", sc.pod, "-c", "side", "--tail=1")
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	lines := bufio.NewScanner(out)
	next := func() string {
		if !lines.Scan() {
			t.Fatalf("kubectl logs -f ended: %v", lines.Err())
		}
		return lines.Text()
	}
	if l := next(); l != "side line 5" {
		t.Errorf("logs -f: first line %q", l)
	}
	select {
	case sc.podNode.runtime.follow <- "written later":
	case <-time.After(20 * time.Second):
		t.Fatal("the pod's node does not follow the log")
	}
	if l := next(); l != "written later" {
		t.Errorf("logs -f: followed %q", l)
	}
	_ = cmd.Process.Kill()
	_ = cmd.Wait()
	eventually(t, 20*time.Second, "the pod's node stops following", func() bool { return sc.podNode.runtime.following.Load() == 0 })
}
