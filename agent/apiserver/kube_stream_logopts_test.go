package apiserver

import (
	"errors"
	"net/url"
	"strings"
	"testing"
	"time"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
)

// A log request's query reads as Kubernetes' PodLogOptions: what is no number or time
// answers 400, what is out of range 422 with the API server's words, previous 400.
func TestKubeLogOptions(t *testing.T) {
	now := time.Date(2026, 5, 1, 12, 0, 0, 0, time.UTC)
	for _, c := range []struct {
		query string
		check func(kubeLogRequest) bool
		code  int32
		msg   string
	}{
		{query: "", check: func(r kubeLogRequest) bool {
			return !r.opts.Follow && !r.opts.Timestamps && r.opts.Tail == nil && r.opts.Since.IsZero() && r.limitBytes == 0 && r.container == ""
		}},
		{query: "container=side&follow=true&timestamps=1&tailLines=3&limitBytes=100", check: func(r kubeLogRequest) bool {
			return r.container == "side" && r.opts.Follow && r.opts.Timestamps && r.opts.Tail != nil && *r.opts.Tail == 3 && r.limitBytes == 100
		}},
		// The API server's reading of a flag: present and not false is true.
		{query: "follow", check: func(r kubeLogRequest) bool { return r.opts.Follow }},
		{query: "follow=false&timestamps=0", check: func(r kubeLogRequest) bool { return !r.opts.Follow && !r.opts.Timestamps }},
		{query: "tailLines=0", check: func(r kubeLogRequest) bool { return r.opts.Tail != nil && *r.opts.Tail == 0 }},
		{query: "sinceSeconds=90", check: func(r kubeLogRequest) bool { return r.opts.Since.Equal(now.Add(-90 * time.Second)) }},
		{query: "sinceTime=2026-04-30T10:00:00Z", check: func(r kubeLogRequest) bool {
			return r.opts.Since.Equal(time.Date(2026, 4, 30, 10, 0, 0, 0, time.UTC))
		}},
		{query: "tailLines=9223372036854775807", check: func(r kubeLogRequest) bool { return r.opts.Tail != nil && *r.opts.Tail == maxTailLines }},
		{query: "tailLines=x", code: 400, msg: `tailLines: "x" is not an integer`},
		{query: "sinceSeconds=1.5", code: 400, msg: `sinceSeconds: "1.5" is not an integer`},
		{query: "limitBytes=lots", code: 400, msg: `limitBytes: "lots" is not an integer`},
		{query: "sinceTime=yesterday", code: 400, msg: `sinceTime: "yesterday" is not an RFC 3339 time`},
		{query: "tailLines=-1", code: 422, msg: `PodLogOptions "web-1" is invalid: tailLines: Invalid value: -1: must be greater than or equal to 0`},
		{query: "limitBytes=0", code: 422, msg: `PodLogOptions "web-1" is invalid: limitBytes: Invalid value: 0: must be greater than 0`},
		{query: "sinceSeconds=0", code: 422, msg: `PodLogOptions "web-1" is invalid: sinceSeconds: Invalid value: 0: must be greater than 0`},
		{query: "sinceSeconds=5&sinceTime=2026-04-30T10:00:00Z", code: 422, msg: "at most one of `sinceTime` or `sinceSeconds` may be specified"},
		{query: "previous=true&container=main", code: 400, msg: `previous=true is not supported: the log of container "main" of pod web-1 holds all its runs`},
	} {
		q, err := url.ParseQuery(c.query)
		if err != nil {
			t.Fatal(err)
		}
		r, err := kubeLogOptions("web-1", q, now)
		if c.code == 0 {
			if err != nil || !c.check(r) {
				t.Errorf("%q: %+v, %v", c.query, r, err)
			}
			continue
		}
		var se *apierrors.StatusError
		if !errors.As(err, &se) || se.Status().Code != c.code || !strings.Contains(se.Status().Message, c.msg) {
			t.Errorf("%q: %v, want %d %q", c.query, err, c.code, c.msg)
		}
	}
}
