package ingress

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"net/http/httputil"
	"sync"
	"time"
)

// errNoEndpoint is the transport's answer when every endpoint of the backend is down or
// was tried: the client gets a 503.
var errNoEndpoint = errors.New("no endpoint can serve")

type routeKey struct{}

// routed is what the handler hands the transport through the request's context: a
// backend's endpoints, or why it has none. A snapshot holds one per backend, computed when
// it is compiled rather than for every request (see newRoutes).
type routed struct {
	backend Backend
	key     string // backend.String(), the balancer's key
	targets []target
	err     error
}

// newRoutes computes the routed of every backend that the router can match.
func newRoutes(st *State, r *Router, node, nodeAddr string) map[Backend]*routed {
	out := map[Backend]*routed{}
	for _, b := range r.backends() {
		targets, err := st.targets(b, node, nodeAddr)
		out[b] = &routed{backend: b, key: b.String(), targets: targets, err: err}
	}
	return out
}

// newProxy is the standard reverse proxy over the endpoint-picking transport: it passes
// upgrades (WebSocket) through and tells the backend the client's address, scheme and host
// with X-Forwarded-*. Streams arrive as written: the proxy flushes every write of a response
// of unknown length (chunked, or text/event-stream). A response of known length goes out in
// as few writes as it fits; flushing every write of it (FlushInterval -1) cost two more
// system calls and a timer per request, a third of the proxy's time in the profile.
func newProxy(rt http.RoundTripper, log *slog.Logger) *httputil.ReverseProxy {
	return &httputil.ReverseProxy{
		Rewrite: func(pr *httputil.ProxyRequest) {
			pr.SetXForwarded()
			// The transport fills in the endpoint; the Host header stays the client's, as
			// virtual hosts behind the ingress expect.
			pr.Out.URL.Scheme, pr.Out.URL.Host = "http", "backend"
			pr.Out.Host = pr.In.Host
		},
		Transport:  rt,
		BufferPool: copyBuffers{},
		ErrorHandler: func(w http.ResponseWriter, r *http.Request, err error) {
			rc, _ := r.Context().Value(routeKey{}).(*routed)
			if errors.Is(err, errNoEndpoint) {
				http.Error(w, fmt.Sprintf("503 service unavailable: no endpoint of %s can serve", rc.backend), http.StatusServiceUnavailable)
				return
			}
			if r.Context().Err() == nil {
				log.Warn("backend failed", "backend", rc.backend.String(), "host", r.Host, "path", r.URL.Path, "err", err)
			}
			http.Error(w, "502 bad gateway: the backend failed", http.StatusBadGateway)
		},
		ErrorLog: slog.NewLogLogger(log.Handler(), slog.LevelWarn),
	}
}

// pickTransport sends each request to an endpoint the balancer picks. A connection that
// cannot be opened marks its endpoint down; an idempotent request without a body is then
// tried once more on another endpoint.
type pickTransport struct {
	base     http.RoundTripper
	balancer *balancer
	log      *slog.Logger
}

// attempts: a request is sent at most twice.
const attempts = 2

func (t *pickTransport) RoundTrip(req *http.Request) (*http.Response, error) {
	rc, ok := req.Context().Value(routeKey{}).(*routed)
	if !ok {
		return nil, errors.New("ingress: request without a route")
	}
	key := rc.key
	var triedAt [attempts]string // on the stack
	tried := triedAt[:0]
	var lastErr error
	for range attempts {
		tg, ok := t.balancer.pick(key, rc.targets, tried)
		if !ok {
			break
		}
		tried = append(tried, tg.addr)
		// The proxy's outgoing request is its own: only the URL changes, so a shallow copy
		// does (a deep one copied every header of every request).
		u := *req.URL
		u.Host = tg.addr
		out := req.WithContext(req.Context())
		out.URL = &u
		resp, err := t.base.RoundTrip(out)
		if err == nil {
			return resp, nil
		}
		lastErr = err
		// A client that went away also ends a dial: that says nothing of the endpoint.
		if !isDialError(err) || req.Context().Err() != nil {
			return nil, err
		}
		t.balancer.markDown(tg.addr)
		t.log.Warn("endpoint refused a connection; skipped for a while", "backend", key, "endpoint", tg.addr, "for", t.balancer.downFor, "err", err)
		if !retryable(req) {
			return nil, err
		}
	}
	if lastErr != nil {
		return nil, lastErr
	}
	return nil, errNoEndpoint
}

// retryable: a request that may be sent twice, and can be since it has no body to replay.
func retryable(r *http.Request) bool {
	switch r.Method {
	case http.MethodGet, http.MethodHead, http.MethodOptions:
		return r.Body == nil || r.Body == http.NoBody
	}
	return false
}

// isDialError tells a connection that could not be opened (nothing was sent) from a
// failure in the middle of an exchange.
func isDialError(err error) bool {
	var op *net.OpError
	return errors.As(err, &op) && op.Op == "dial"
}

// newBaseTransport is the transport to the endpoints: plain HTTP/1.1 (upgrades need it),
// a short connect timeout so that a dead node is skipped quickly, kept-alive connections.
func newBaseTransport(dialTimeout time.Duration) *http.Transport {
	d := &net.Dialer{Timeout: dialTimeout, KeepAlive: 30 * time.Second}
	return &http.Transport{
		DialContext:         d.DialContext,
		MaxIdleConns:        1024,
		MaxIdleConnsPerHost: 256,
		IdleConnTimeout:     90 * time.Second,
	}
}

// copyBuffers lends the proxy the buffers it copies bodies through; without a pool it
// allocates 32 KiB per request.
type copyBuffers struct{}

var copyBufferPool = sync.Pool{New: func() any { return new([32 << 10]byte) }}

func (copyBuffers) Get() []byte { return copyBufferPool.Get().(*[32 << 10]byte)[:] }
func (copyBuffers) Put(b []byte) {
	if cap(b) >= 32<<10 {
		copyBufferPool.Put((*[32 << 10]byte)(b[:32<<10]))
	}
}

// handler routes a request, answers 404 and 503 itself, and hands the rest to the proxy.
type handler struct {
	snap  func() *snapshot
	proxy *httputil.ReverseProxy
}

func (h *handler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	s := h.snap()
	b, ok := s.router.Match(r.Host, r.URL.Path)
	if !ok {
		http.Error(w, "404 not found: no ingress rule matches this host and path", http.StatusNotFound)
		return
	}
	rc := s.routes[b] // every backend the router matches has one
	if rc.err != nil {
		http.Error(w, "503 service unavailable: "+rc.err.Error(), http.StatusServiceUnavailable)
		return
	}
	ctx := context.WithValue(r.Context(), routeKey{}, rc)
	h.proxy.ServeHTTP(w, r.WithContext(ctx))
}
