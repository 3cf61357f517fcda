package apiserver

import (
	"net/http"
	"strings"
	"testing"
)

// headerStream is a stream of which pairing reads only the headers.
type headerStream struct {
	h http.Header
}

func (s headerStream) Read([]byte) (int, error)    { return 0, nil }
func (s headerStream) Write(p []byte) (int, error) { return len(p), nil }
func (s headerStream) Close() error                { return nil }
func (s headerStream) Reset() error                { return nil }
func (s headerStream) Headers() http.Header        { return s.h }
func (s headerStream) Identifier() uint32          { return 0 }

func forwardStream(kind, id string) headerStream {
	return headerStream{http.Header{"Streamtype": {kind}, "Port": {"80"}, "Requestid": {id}}}
}

// The streams a client opens pair by request ID, in either order, each pair once; a second
// stream of a kind, or one of no known kind, is refused.
func TestForwardPairs(t *testing.T) {
	f := &forwardPairs{byID: map[string]*forwardPair{}}
	add := func(kind, id string) (*forwardPair, error) { return f.add(forwardStream(kind, id), nil) }
	if p, err := add("error", "0"); p != nil || err != nil {
		t.Fatalf("error 0: %v %v", p, err)
	}
	if p, err := add("data", "1"); p != nil || err != nil {
		t.Fatalf("data 1: %v %v", p, err)
	}
	p, err := add("data", "0")
	if err != nil || p == nil || p.data.Headers().Get("requestID") != "0" || p.errorStream.Headers().Get("streamType") != "error" {
		t.Fatalf("data 0: %+v %v", p, err)
	}
	if _, err := add("data", "1"); err == nil || !strings.Contains(err.Error(), `a second data stream for request "1"`) {
		t.Errorf("second data 1: %v", err)
	}
	if p, err := add("error", "1"); err != nil || p == nil {
		t.Errorf("error 1: %+v %v", p, err)
	}
	if _, err := add("resize", "2"); err == nil {
		t.Error("a stream of unknown type was taken")
	}
	if len(f.byID) != 0 {
		t.Errorf("pairs left: %v", f.byID)
	}
}
