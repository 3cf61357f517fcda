package api

import (
	"context"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"testing"
)

// GetAnswers gives every path's body as it came, or the first failure; Same compares them
// byte for byte.
func TestGetAnswers(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch r.URL.Path {
		case "/a":
			io.WriteString(w, `{"a":1}`)
		case "/b":
			io.WriteString(w, `{"b": 2}`)
		default:
			w.WriteHeader(http.StatusNotFound)
			io.WriteString(w, `{"message":"no such thing","details":["one","two"]}`)
		}
	}))
	defer srv.Close()
	c, err := NewClient(ClientConfig{Server: srv.URL})
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	got, err := c.GetAnswers(ctx, "/a", "/b")
	if err != nil || len(got) != 2 || string(got[0]) != `{"a":1}` || string(got[1]) != `{"b": 2}` {
		t.Fatalf("GetAnswers: %q, %v", got, err)
	}
	again, _ := c.GetAnswers(ctx, "/a", "/b")
	if !got.Same(again) || got.Same(again[:1]) || got.Same(Answers{again[1], again[0]}) {
		t.Error("Same does not compare the answers byte for byte, in order")
	}
	_, err = c.GetAnswers(ctx, "/a", "/missing")
	var re *ResponseError
	if !errors.As(err, &re) || re.Status != http.StatusNotFound || err.Error() != "no such thing:\n  one\n  two" {
		t.Errorf("a path that fails: %v", err)
	}
}
