package api

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"time"
)

// WatchStream is an open watch (see WatchEvent); Close it when done.
type WatchStream struct {
	path   string
	body   io.ReadCloser
	r      *bufio.Reader
	cancel context.CancelFunc
}

// Watch GETs path with ?watch=true and the rest of query. The Client's Timeout bounds the
// wait for the answer's headers only: the stream lasts until ctx ends, Close, or the agent
// ends it.
func (c *Client) Watch(ctx context.Context, path string, query url.Values) (*WatchStream, error) {
	q := url.Values{}
	for k, v := range query {
		q[k] = v
	}
	q.Set("watch", "true")
	ctx, cancel := context.WithCancel(ctx)
	req, err := c.newRequest(ctx, http.MethodGet, path, q, "", nil)
	if err != nil {
		cancel()
		return nil, err
	}
	// A client of its own without a timeout, which would end the stream too; the Client's
	// bounds the wait for the headers.
	stream := &http.Client{Transport: c.http.Transport}
	var headers *time.Timer
	if c.http.Timeout > 0 {
		headers = time.AfterFunc(c.http.Timeout, cancel)
	}
	resp, err := stream.Do(req)
	if headers != nil && !headers.Stop() {
		if err == nil {
			resp.Body.Close()
		}
		err = fmt.Errorf("no answer within %s", c.http.Timeout)
	}
	if err != nil {
		cancel()
		return nil, fmt.Errorf("cannot reach the agent at %s: %w", c.Server, err)
	}
	if resp.StatusCode >= 300 {
		err := failed(resp)
		cancel()
		return nil, err
	}
	return &WatchStream{path: path, body: resp.Body, r: bufio.NewReaderSize(resp.Body, 64<<10), cancel: cancel}, nil
}

// Next reads the next event. It fails with io.EOF when the agent ended the stream, and
// with an error saying so when what came is no watch event (an agent that does not watch
// answers the list itself).
func (s *WatchStream) Next() (WatchEvent, error) {
	line, err := s.r.ReadBytes('\n')
	if err != nil {
		if errors.Is(err, io.EOF) && len(line) > 0 {
			err = io.ErrUnexpectedEOF
		}
		return WatchEvent{}, err
	}
	var ev WatchEvent
	if err := json.Unmarshal(line, &ev); err != nil || ev.Type == "" || len(ev.Object) == 0 {
		return WatchEvent{}, fmt.Errorf("the agent's answer to a watch of %s is no watch event: %.80q", s.path, line)
	}
	return ev, nil
}

// Buffered says whether more of the stream has come than was read: a reader that applies
// a burst of events may wait for its end.
func (s *WatchStream) Buffered() bool { return s.r.Buffered() > 0 }

// Close ends the watch.
func (s *WatchStream) Close() error {
	s.cancel()
	return s.body.Close()
}
