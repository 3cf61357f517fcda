package apiserver

import (
	"errors"
	"net/http"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/podman-swarm/podman-swarm/api"
)

// A watching client that takes longer than watchWriteTimeout to take writeChunk bytes is
// cut off, and lists again when it comes back. A long answer (a watch that starts with
// thousands of objects) goes out in chunks, each with the time of its own.
const (
	watchWriteTimeout = 10 * time.Second
	writeChunk        = 64 << 10
)

// errWatchEnded is a write not made because the watch had ended.
var errWatchEnded = errors.New("the watch ended")

// eventStream writes watch events to one client: a JSON object a line, gathered and sent
// together by flush. When ended is closed (the view ended the watch) a write under way is
// cut short at once, so that a client that reads nothing holds its handler no longer than
// it takes to notice.
type eventStream struct {
	res    *echo.Response
	rc     *http.ResponseController
	buf    []byte
	ended  <-chan struct{}
	stop   chan struct{}
	cut    chan struct{} // closed once the cutter has returned
	broken bool          // a write failed: the connection is done for
}

// startStream answers 200 and returns the stream of the answer. The connection closes
// with the watch, so that the write deadlines set on it end with it.
func startStream(c echo.Context, ended <-chan struct{}) *eventStream {
	res := c.Response()
	res.Header().Set(echo.HeaderContentType, echo.MIMEApplicationJSON)
	res.Header().Set("Connection", "close")
	res.WriteHeader(http.StatusOK)
	s := &eventStream{res: res, rc: http.NewResponseController(res), ended: ended,
		stop: make(chan struct{}), cut: make(chan struct{})}
	go s.cutter()
	return s
}

func (s *eventStream) cutter() {
	defer close(s.cut)
	select {
	case <-s.ended:
		_ = s.rc.SetWriteDeadline(time.Now())
	case <-s.stop:
	}
}

// add gathers one event for the next flush.
func (s *eventStream) add(t api.EventType, object []byte) {
	s.buf = append(s.buf, `{"type":"`...)
	s.buf = append(s.buf, t...)
	s.buf = append(s.buf, `","object":`...)
	s.buf = append(s.buf, object...)
	s.buf = append(s.buf, "}\n"...)
}

// flush sends what was gathered.
func (s *eventStream) flush() error {
	defer func() { s.buf = s.buf[:0] }()
	for rest := s.buf; len(rest) > 0; {
		n := min(len(rest), writeChunk)
		if err := s.write(rest[:n]); err != nil {
			s.broken = true
			return err
		}
		rest = rest[n:]
	}
	return nil
}

// write sends p at once, or fails.
func (s *eventStream) write(p []byte) error {
	// The deadline is set before ended is looked at: the cutter sets its own after ended
	// is closed, so either this write sees ended, or the cutter's deadline cuts it.
	_ = s.rc.SetWriteDeadline(time.Now().Add(watchWriteTimeout))
	select {
	case <-s.ended:
		return errWatchEnded
	default:
	}
	if _, err := s.res.Write(p); err != nil {
		return err
	}
	return s.rc.Flush()
}

// end stops the cutter; unless a write failed, the end of the answer gets a moment of its
// own to go out.
func (s *eventStream) end() {
	close(s.stop)
	<-s.cut
	if !s.broken {
		_ = s.rc.SetWriteDeadline(time.Now().Add(time.Second))
	}
}
