package kubectl_test

import (
	"bufio"
	"context"
	"encoding/json"
	"net/http"
	"regexp"
	"strings"
	"testing"
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// get asks the node that does not run the pod for path, with token.
func (sc *streamCluster) get(t *testing.T, token, path string) (int, string) {
	t.Helper()
	return streamCall(t, sc.client, "https://"+sc.other.APIAddr(), token, http.MethodGet, path, "", "")
}

// streamStatus decodes a Status answer; it fails the test when the answer is none.
func streamStatus(t *testing.T, body string) metav1.Status {
	t.Helper()
	var st metav1.Status
	if err := json.Unmarshal([]byte(body), &st); err != nil || st.Kind != "Status" || st.APIVersion != "v1" {
		t.Fatalf("not a Status: %q (%v)", body, err)
	}
	return st
}

// A pod's log on the compatible API is plain text from the pod's node, chosen by
// Kubernetes' options, whichever node is asked.
func TestPodLogOptions(t *testing.T) {
	sc := startStreamCluster(t)
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
		code, body := sc.get(t, sc.token, logPath+c.query)
		if code != http.StatusOK || body != c.want {
			t.Errorf("%s: %d %q, want %q", c.query, code, body, c.want)
		}
		want := "logs default/" + sc.pod + " " + c.call
		if calls := sc.podRT.seen(); len(calls) != 1 || calls[0] != want {
			t.Errorf("%s: the pod's node was asked %q, want %q", c.query, calls, want)
		}
	}
	if calls := sc.otherRT.seen(); len(calls) != 0 {
		t.Errorf("the node that does not run the pod was asked %q", calls)
	}
	code, body := sc.get(t, sc.token, logPath+"?container=main&timestamps=true&tailLines=1")
	if stamped := regexp.MustCompile(`^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?Z main line 5\n$`); code != http.StatusOK || !stamped.MatchString(body) {
		t.Errorf("timestamps: %d %q", code, body)
	}
	// A read-only token reads logs.
	if code, body := sc.get(t, sc.readOnly, logPath+"?container=side&tailLines=1"); code != http.StatusOK || body != "side line 5\n" {
		t.Errorf("read-only token: %d %q", code, body)
	}
}

// A log request that cannot be answered answers a Status with Kubernetes' code, reason and
// words.
func TestPodLogErrorsAreStatuses(t *testing.T) {
	sc := startStreamCluster(t)
	logPath := "/api/v1/namespaces/default/pods/" + sc.pod + "/log"
	for _, c := range []struct {
		token, path string
		code        int32
		reason      metav1.StatusReason
		msg         string
	}{
		{sc.token, logPath, 400, metav1.StatusReasonBadRequest, "a container name must be specified for pod " + sc.pod + ", choose one of: [main side]"},
		{sc.token, logPath + "?container=nope", 400, metav1.StatusReasonBadRequest, "container nope is not valid for pod " + sc.pod},
		{sc.token, "/api/v1/namespaces/default/pods/nope/log", 404, metav1.StatusReasonNotFound, `pods "nope" not found`},
		{sc.token, "/api/v1/namespaces/other/pods/" + sc.pod + "/log", 404, metav1.StatusReasonNotFound, `pods "` + sc.pod + `" not found`},
		{sc.token, logPath + "?container=main&tailLines=-1", 422, metav1.StatusReasonInvalid,
			`PodLogOptions "` + sc.pod + `" is invalid: tailLines: Invalid value: -1: must be greater than or equal to 0`},
		{sc.token, logPath + "?container=main&tailLines=ten", 400, metav1.StatusReasonBadRequest, `tailLines: "ten" is not an integer`},
		{sc.token, logPath + "?container=main&previous=true", 400, metav1.StatusReasonBadRequest, `previous=true is not supported`},
		{"", logPath + "?container=main", 401, metav1.StatusReasonUnauthorized, "this API needs a token"},
		{"not-a-token", logPath + "?container=main", 401, metav1.StatusReasonUnauthorized, ""},
	} {
		code, body := sc.get(t, c.token, c.path)
		st := streamStatus(t, body)
		if code != int(c.code) || st.Code != c.code || st.Reason != c.reason || st.Status != metav1.StatusFailure || !strings.HasPrefix(st.Message, c.msg) {
			t.Errorf("%s: %d %+v, want %d %s %q", c.path, code, st, c.code, c.reason, c.msg)
		}
	}
	if calls := sc.podRT.seen(); len(calls) != 0 {
		t.Errorf("refused requests reached the runtime: %q", calls)
	}
}

// follow=true streams the log as it is written, through the node that passed it on, and
// ends on the pod's node when the client goes away.
func TestPodLogFollow(t *testing.T) {
	sc := startStreamCluster(t)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet,
		"https://"+sc.other.APIAddr()+"/api/v1/namespaces/default/pods/"+sc.pod+"/log?container=side&follow=true&tailLines=1", nil)
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Authorization", "Bearer "+sc.token)
	resp, err := sc.client.Do(req)
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
		case sc.podRT.follow <- l:
		case <-time.After(20 * time.Second):
			t.Fatal("the pod's node does not follow the log")
		}
		if got := next(); got != l {
			t.Errorf("followed %q, want %q", got, l)
		}
	}
	cancel()
	streamWait(t, 20*time.Second, "the pod's node stops following", func() bool { return sc.podRT.following.Load() == 0 })
}
