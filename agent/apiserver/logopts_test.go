package apiserver

import (
	"net/url"
	"strings"
	"testing"
	"time"
)

func TestLogOptionsReadKubernetesQueryNames(t *testing.T) {
	now := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
	q := url.Values{"follow": {"true"}, "timestamps": {"true"}, "tailLines": {"20"}, "sinceSeconds": {"60"}}
	o, err := logOptions(q, now)
	if err != nil || !o.Follow || !o.Timestamps || o.Tail == nil || *o.Tail != 20 || !o.Since.Equal(now.Add(-time.Minute)) {
		t.Fatalf("logOptions(%v) = %+v, %v", q, o, err)
	}
	o, err = logOptions(url.Values{"sinceTime": {"2026-01-01T00:00:00Z"}}, now)
	if err != nil || !o.Since.Equal(time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)) || o.Tail != nil || o.Follow {
		t.Fatalf("sinceTime: %+v, %v", o, err)
	}
	for q, want := range map[string]string{
		"tailLines=-1":        `tailLines: Invalid value: "-1"`,
		"tailLines=x":         `tailLines: Invalid value: "x"`,
		"sinceSeconds=0":      `sinceSeconds: Invalid value: "0"`,
		"sinceTime=yesterday": `sinceTime: Invalid value: "yesterday"`,
		"sinceSeconds=5&sinceTime=2026-01-01T00:00:00Z": "at most one of them may be set",
		"follow=maybe": `follow: Invalid value: "maybe"`,
	} {
		v, _ := url.ParseQuery(q)
		if _, err := logOptions(v, now); err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("logOptions(%s): %v, want %q", q, err, want)
		}
	}
}
