package reconcile

import (
	"bytes"
	"reflect"
	"testing"
	"time"
)

func TestLogArgsFollowKubectlsFlags(t *testing.T) {
	ten, zero := 10, 0
	since := time.Unix(1700000000, 0)
	for _, c := range []struct {
		opts LogOptions
		want []string
	}{
		{LogOptions{}, []string{"--user", "--output", "cat", "--no-pager", "--quiet", "CONTAINER_NAME=c"}},
		{LogOptions{Follow: true}, []string{"--user", "--output", "cat", "--no-pager", "--quiet", "--lines", "all", "--follow", "CONTAINER_NAME=c"}},
		{LogOptions{Follow: true, Tail: &ten}, []string{"--user", "--output", "cat", "--no-pager", "--quiet", "--lines", "10", "--follow", "CONTAINER_NAME=c"}},
		{LogOptions{Tail: &zero, Since: since, Timestamps: true}, []string{"--user", "--output", "json", "--no-pager", "--quiet", "--lines", "0", "--since", "@1700000000", "CONTAINER_NAME=c"}},
	} {
		if got := logArgs("c", c.opts); !reflect.DeepEqual(got, c.want) {
			t.Errorf("logArgs(%+v) = %v\nwant %v", c.opts, got, c.want)
		}
	}
}

func TestTimestamperWritesKubectlsTimestampedLines(t *testing.T) {
	var b bytes.Buffer
	ts := &timestamper{w: &b}
	input := `{"MESSAGE":"hello","__REALTIME_TIMESTAMP":"1700000000123456"}` + "\n" +
		`{"MESSAGE":[104,105],"__REALTIME_TIMESTAMP":"1700000001000000"}` + "\n" +
		`not json` + "\n" +
		`{"MESSAGE":"last","__REALTIME_TIMESTAMP":"1700000002000000"}`
	// In two writes cut mid-line, as a pipe may deliver it.
	if _, err := ts.Write([]byte(input[:30])); err != nil {
		t.Fatal(err)
	}
	if _, err := ts.Write([]byte(input[30:])); err != nil {
		t.Fatal(err)
	}
	if err := ts.flush(); err != nil {
		t.Fatal(err)
	}
	want := "2023-11-14T22:13:20.123456Z hello\n" +
		"2023-11-14T22:13:21Z hi\n" +
		"not json\n" +
		"2023-11-14T22:13:22Z last\n"
	if b.String() != want {
		t.Fatalf("got:\n%s\nwant:\n%s", b.String(), want)
	}
}
