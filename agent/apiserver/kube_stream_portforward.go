package apiserver

import (
	"context"
	"fmt"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"sync"

	"github.com/labstack/echo/v4"
	"golang.org/x/net/websocket"
	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/util/portforward"
	"k8s.io/streaming/pkg/httpstream"
	"k8s.io/streaming/pkg/httpstream/spdy"
	"k8s.io/streaming/pkg/httpstream/wsstream"
)

// kubePodPortForward answers GET .../pods/:name/portforward as kubectl port-forward speaks
// it: a websocket whose subprotocol, SPDY/3.1+portforward.k8s.io, carries a SPDY connection,
// in which the client opens two streams (error, then data) per connection it forwards, with
// the port and a request ID as their headers. Each pair is connected to its port of the pod
// on the node that runs it (the node a request reaches passes it on, upgrade included).
// SPDY itself, without the websocket, is not served.
func (a *Server) kubePodPortForward(c echo.Context) error {
	pod, node, err := a.kubeStreamTarget(c, "forward to")
	if err != nil {
		return err
	}
	if err := checkPortForwardUpgrade(c.Request()); err != nil {
		return err
	}
	if done, err := a.forward(c, node); done {
		return err
	}
	if a.attach == nil {
		return codeError(http.StatusConflict, fmt.Sprintf("node %s runs no pods (--runtime none), so there is no port to reach", node))
	}
	key := pod.Namespace + "/" + pod.Name
	a.log.Info("port-forward to pod", "pod", key)
	server := websocket.Server{
		Handshake: func(cfg *websocket.Config, _ *http.Request) error {
			cfg.Protocol = []string{portforward.WebsocketsSPDYTunnelingPortForwardV1}
			return nil
		},
		Handler: func(ws *websocket.Conn) { a.servePortForward(ws, key) },
	}
	server.ServeHTTP(c.Response(), c.Request())
	return nil
}

// checkPortForwardUpgrade answers a request that is no websocket upgrade carrying SPDY for
// port-forward: 400 with the reason.
func checkPortForwardUpgrade(r *http.Request) error {
	if !wsstream.IsWebSocketRequest(r) {
		if up := r.Header.Get(httpstream.HeaderUpgrade); httpstream.IsUpgradeRequest(r) && up != "" {
			return apierrors.NewBadRequest(fmt.Sprintf("the upgrade to %s is not supported: this server forwards ports over websockets only, "+
				"with the subprotocol %s", up, portforward.WebsocketsSPDYTunnelingPortForwardV1))
		}
		return apierrors.NewBadRequest("Upgrade request required")
	}
	var asked []string
	for _, v := range r.Header.Values(wsstream.WebSocketProtocolHeader) {
		for _, p := range strings.Split(v, ",") {
			asked = append(asked, strings.TrimSpace(p))
		}
	}
	if !slices.Contains(asked, portforward.WebsocketsSPDYTunnelingPortForwardV1) {
		return apierrors.NewBadRequest(fmt.Sprintf("none of the websocket subprotocols asked for (%s) is supported: this server speaks %s",
			strings.Join(asked, ", "), portforward.WebsocketsSPDYTunnelingPortForwardV1))
	}
	return nil
}

// servePortForward serves the SPDY connection the websocket carries until it ends, then
// ends the forwardings still under way.
func (a *Server) servePortForward(ws *websocket.Conn, key string) {
	ws.PayloadType = websocket.BinaryFrame
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	pairs := &forwardPairs{byID: map[string]*forwardPair{}}
	// A forwarding that ended lets the connection forget its streams, which it would keep
	// otherwise for as long as it lasts (kubectl keeps one for all its connections).
	var mu sync.Mutex
	var conn httpstream.Connection
	forget := func(streams ...httpstream.Stream) {
		mu.Lock()
		defer mu.Unlock()
		if conn != nil {
			conn.RemoveStreams(streams...)
		}
	}
	c, err := spdy.NewServerConnection(ws, func(s httpstream.Stream, replySent <-chan struct{}) error {
		p, err := pairs.add(s, replySent)
		if p != nil {
			go func() {
				a.forwardPair(ctx, key, p)
				forget(p.data, p.errorStream)
			}()
		}
		return err
	})
	if err != nil {
		a.log.Warn("serve a port-forward's SPDY connection", "pod", key, "err", err)
		return
	}
	mu.Lock()
	conn = c
	mu.Unlock()
	defer c.Close()
	<-c.CloseChan()
}

// forwardPair connects the data stream of a pair to its port of the pod; what went wrong
// is written to the error stream, which kubectl prints. Both streams end with it.
func (a *Server) forwardPair(ctx context.Context, key string, p *forwardPair) {
	<-p.dataReply
	<-p.errorReply
	defer p.errorStream.Close()
	defer p.data.Close()
	port, err := strconv.ParseUint(p.data.Headers().Get(corev1.PortHeader), 10, 16)
	if err != nil || port == 0 {
		fmt.Fprintf(p.errorStream, "invalid port %q: want a number from 1 to 65535", p.data.Headers().Get(corev1.PortHeader))
		return
	}
	if err := a.attach.PortForward(ctx, key, int32(port), p.data); err != nil && ctx.Err() == nil {
		a.log.Warn("forward to a pod's port failed", "pod", key, "port", port, "err", err)
		fmt.Fprintf(p.errorStream, "error forwarding port %d to pod %s: %v", port, key, err)
	}
}

// forwardPair is the two streams of one forwarded connection, and the signs that their
// replies went out (no stream is written to before).
type forwardPair struct {
	data, errorStream     httpstream.Stream
	dataReply, errorReply <-chan struct{}
}

// forwardPairs gathers the streams the client opens into pairs by their request ID.
type forwardPairs struct {
	mu   sync.Mutex
	byID map[string]*forwardPair
}

// add takes a new stream; it returns the pair it completes, or an error that refuses it.
func (f *forwardPairs) add(s httpstream.Stream, replySent <-chan struct{}) (*forwardPair, error) {
	h := s.Headers()
	id, kind := h.Get(corev1.PortForwardRequestIDHeader), h.Get(corev1.StreamType)
	if kind != corev1.StreamTypeData && kind != corev1.StreamTypeError {
		return nil, fmt.Errorf("stream of unknown type %q", kind)
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	p, ok := f.byID[id]
	if !ok {
		p = &forwardPair{}
		f.byID[id] = p
	}
	if kind == corev1.StreamTypeData {
		if p.data != nil {
			return nil, fmt.Errorf("a second data stream for request %q", id)
		}
		p.data, p.dataReply = s, replySent
	} else {
		if p.errorStream != nil {
			return nil, fmt.Errorf("a second error stream for request %q", id)
		}
		p.errorStream, p.errorReply = s, replySent
	}
	if p.data == nil || p.errorStream == nil {
		return nil, nil
	}
	delete(f.byID, id)
	return p, nil
}
