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
		{LogOptions{}, []string{"--user", "--output", "json", "--no-pager", "--quiet", "CONTAINER_NAME=c"}},
		{LogOptions{Follow: true}, []string{"--user", "--output", "json", "--no-pager", "--quiet", "--lines", "all", "--follow", "CONTAINER_NAME=c"}},
		{LogOptions{Follow: true, Tail: &ten}, []string{"--user", "--output", "json", "--no-pager", "--quiet", "--lines", "10", "--follow", "CONTAINER_NAME=c"}},
		{LogOptions{Tail: &zero, Since: since, Timestamps: true}, []string{"--user", "--output", "json", "--no-pager", "--quiet", "--lines", "0", "--since", "@1700000000", "CONTAINER_NAME=c"}},
	} {
		if got := logArgs("c", c.opts); !reflect.DeepEqual(got, c.want) {
			t.Errorf("logArgs(%+v) = %v\nwant %v", c.opts, got, c.want)
		}
	}
}

// journalOutput is what journalctl --output json prints for podman's journald driver:
// whole lines keep their newline, a long line comes in parts marked partial, a message
// that is not UTF-8 is an array of bytes.
const journalOutput = `{"MESSAGE":"hello\n","__REALTIME_TIMESTAMP":"1700000000123456"}` + "\n" +
	`{"MESSAGE":"a long ","__REALTIME_TIMESTAMP":"1700000000500000","CONTAINER_PARTIAL_MESSAGE":"true"}` + "\n" +
	`{"MESSAGE":"line\n","__REALTIME_TIMESTAMP":"1700000000600000"}` + "\n" +
	`{"MESSAGE":[104,105,10],"__REALTIME_TIMESTAMP":"1700000001000000"}` + "\n" +
	`not json` + "\n" +
	`{"MESSAGE":"no newline","__REALTIME_TIMESTAMP":"1700000001500000"}` + "\n" +
	`{"MESSAGE":"cut off","__REALTIME_TIMESTAMP":"1700000002000000","CONTAINER_PARTIAL_MESSAGE":"true"}`

func TestLogLinesWriteWhatTheContainerPrinted(t *testing.T) {
	for _, c := range []struct {
		timestamps bool
		want       string
	}{
		{false, "hello\na long line\nhi\nnot json\nno newline\ncut off\n"},
		{true, "2023-11-14T22:13:20.123456Z hello\n" +
			"2023-11-14T22:13:20.5Z a long line\n" +
			"2023-11-14T22:13:21Z hi\n" +
			"not json\n" +
			"2023-11-14T22:13:21.5Z no newline\n" +
			"2023-11-14T22:13:22Z cut off\n"},
	} {
		var b bytes.Buffer
		l := &logLines{w: &b, timestamps: c.timestamps}
		// In pieces cut mid-entry, as a pipe may deliver them.
		for _, piece := range []string{journalOutput[:30], journalOutput[30:140], journalOutput[140:]} {
			if _, err := l.Write([]byte(piece)); err != nil {
				t.Fatal(err)
			}
		}
		if err := l.flush(); err != nil {
			t.Fatal(err)
		}
		if b.String() != c.want {
			t.Errorf("timestamps %v: got:\n%s\nwant:\n%s", c.timestamps, b.String(), c.want)
		}
	}
}
