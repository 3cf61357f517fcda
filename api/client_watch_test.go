package api

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"
)

// Watch sends ?watch=true with the query and the token, reads one event a line until the
// stream ends, refuses what is no event, and gives an error answer as a *ResponseError.
func TestWatch(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Header.Get("Authorization") != "Bearer t0ken" {
			w.WriteHeader(http.StatusUnauthorized)
			return
		}
		switch r.URL.Path {
		case "/things":
			if r.URL.Query().Get("watch") != "true" || r.URL.Query().Get("resourceVersion") != "7" {
				http.Error(w, "bad query "+r.URL.RawQuery, http.StatusBadRequest)
				return
			}
			io.WriteString(w, `{"type":"ADDED","object":{"metadata":{"name":"a","resourceVersion":"8"}}}`+"\n")
			w.(http.Flusher).Flush()
			io.WriteString(w, `{"type":"BOOKMARK","object":{"metadata":{"resourceVersion":"9","annotations":{"k8s.io/initial-events-end":"true"}}}}`+"\n")
		case "/old":
			io.WriteString(w, `{"items":[]}`+"\n")
		case "/gone":
			w.WriteHeader(http.StatusGone)
			io.WriteString(w, `{"kind":"Status","apiVersion":"v1","status":"Failure","message":"too old resource version: 7 (9)","reason":"Expired","code":410}`)
		}
	}))
	defer srv.Close()
	c, err := NewClient(ClientConfig{Server: srv.URL, Token: "t0ken", Timeout: 5 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	s, err := c.Watch(ctx, "/things", map[string][]string{"resourceVersion": {"7"}})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	ev, err := s.Next()
	if err != nil || ev.Type != Added || string(ev.Object) != `{"metadata":{"name":"a","resourceVersion":"8"}}` {
		t.Errorf("first: %+v %v", ev, err)
	}
	ev, err = s.Next()
	var m EventMeta
	if err == nil {
		err = json.Unmarshal(ev.Object, &m)
	}
	if err != nil || ev.Type != Bookmark || m.Metadata.ResourceVersion != "9" || !m.InitialEventsEnd() {
		t.Errorf("bookmark: %+v %v", ev, err)
	}
	if _, err := s.Next(); !errors.Is(err, io.EOF) {
		t.Errorf("the end: %v", err)
	}

	old, err := c.Watch(ctx, "/old", nil)
	if err != nil {
		t.Fatal(err)
	}
	defer old.Close()
	if _, err := old.Next(); err == nil || !strings.Contains(err.Error(), "no watch event") {
		t.Errorf("an agent that does not watch: %v", err)
	}

	_, err = c.Watch(ctx, "/gone", nil)
	var re *ResponseError
	if !errors.As(err, &re) || re.Status != http.StatusGone || re.Message != "too old resource version: 7 (9)" {
		t.Errorf("410: %v", err)
	}
}

// The Client's Timeout bounds the wait for the headers, not the stream.
func TestWatchOutlivesTheTimeout(t *testing.T) {
	release := make(chan struct{})
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/slow" {
			<-release
			return
		}
		w.WriteHeader(http.StatusOK)
		w.(http.Flusher).Flush()
		<-release
		io.WriteString(w, `{"type":"BOOKMARK","object":{"metadata":{"resourceVersion":"1"}}}`+"\n")
	}))
	defer srv.Close()
	defer close(release)
	c, err := NewClient(ClientConfig{Server: srv.URL, Timeout: 100 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	s, err := c.Watch(context.Background(), "/quiet", nil)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	got := make(chan error, 1)
	go func() {
		_, err := s.Next()
		got <- err
	}()
	select {
	case err := <-got:
		t.Fatalf("the stream ended within the timeout: %v", err)
	case <-time.After(300 * time.Millisecond):
	}
	release <- struct{}{}
	if err := <-got; err != nil {
		t.Errorf("after the timeout: %v", err)
	}
	if _, err := c.Watch(context.Background(), "/slow", nil); err == nil || !strings.Contains(err.Error(), "no answer within 100ms") {
		t.Errorf("headers too late: %v", err)
	}
}
