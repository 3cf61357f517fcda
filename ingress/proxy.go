package ingress

import (
	"errors"
	"fmt"
	"log/slog"
	"net"
	"sync"
	"time"

	"github.com/valyala/fasthttp"
)

// routed is a backend's endpoints, or why it has none. A snapshot holds one per backend,
// computed when it is compiled rather than for every request (see newRoutes).
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

// attempts: a request is sent at most twice.
const attempts = 2

// proxy serves each request in the server's own goroutine, with fasthttp on both sides: the
// request read from the client is sent as it is (plus X-Forwarded-*) on a kept-alive
// connection to an endpoint, and the response goes back the same way. net/http's server and
// Transport cost about twice nginx's CPU time per request (BENCHMARKS.md): a second
// goroutine per connection on each side (the server's background read, the Transport's
// readLoop and writeLoop), and the reads, wake-ups and hand-offs between them.
type proxy struct {
	snap     func() *snapshot
	balancer *balancer
	dialer   *net.Dialer
	log      *slog.Logger

	mu      sync.RWMutex
	clients map[string]*fasthttp.HostClient // by endpoint address
}

func newProxy(snap func() *snapshot, bal *balancer, dialTimeout time.Duration, log *slog.Logger) *proxy {
	return &proxy{snap: snap, balancer: bal, log: log,
		dialer:  &net.Dialer{Timeout: dialTimeout, KeepAlive: 30 * time.Second},
		clients: map[string]*fasthttp.HostClient{}}
}

// serve routes a request, answers 404 and 503 itself, and proxies the rest.
func (p *proxy) serve(ctx *fasthttp.RequestCtx) {
	req := &ctx.Request
	s := p.snap()
	// The path is read from the request line as sent, not from fasthttp's parsed URI: parsing
	// it would normalize the path that the backend gets (net/http's proxy sends it unchanged).
	b, ok := s.router.Match(string(req.Header.Host()), requestPath(req.Header.RequestURI()))
	if !ok {
		httpError(ctx, "404 not found: no ingress rule matches this host and path", fasthttp.StatusNotFound)
		return
	}
	rc := s.routes[b] // every backend the router matches has one
	if rc.err != nil {
		httpError(ctx, "503 service unavailable: "+rc.err.Error(), fasthttp.StatusServiceUnavailable)
		return
	}
	setForwarded(ctx)
	if isUpgrade(req) {
		p.upgrade(ctx, rc)
		return
	}
	// A request that came over TLS has an https URI, which the plain client refuses.
	req.URI().SetSchemeBytes(schemeHTTP)
	// Connection: close is between the client and the ingress (the server has noted the
	// client's): the connection to the endpoint stays in its pool, and the endpoint closing
	// its own does not end the client's.
	req.Header.ResetConnectionClose()
	err := p.try(rc, req, func(addr string) error { return p.client(addr).Do(req, &ctx.Response) })
	if err != nil {
		p.fail(ctx, rc, err)
		return
	}
	ctx.Response.Header.ResetConnectionClose()
}

// errNoEndpoint: every endpoint of the backend is down or was tried; the client gets a 503.
var errNoEndpoint = errors.New("no endpoint can serve")

// try calls send with an endpoint the balancer picks. An endpoint that refuses the
// connection is marked down, and an idempotent request without a body is then sent once
// to another.
func (p *proxy) try(rc *routed, req *fasthttp.Request, send func(addr string) error) error {
	var triedAt [attempts]string // on the stack
	tried := triedAt[:0]
	lastErr := errNoEndpoint
	for range attempts {
		tg, ok := p.balancer.pick(rc.key, rc.targets, tried)
		if !ok {
			break
		}
		tried = append(tried, tg.addr)
		err := send(tg.addr)
		if err == nil {
			return nil
		}
		lastErr = err
		if !p.dialFailed(rc, tg, err) || !retryable(req) {
			break
		}
	}
	return lastErr
}

// fail answers a request that no endpoint served: 503 when none could be tried, else 502.
func (p *proxy) fail(ctx *fasthttp.RequestCtx, rc *routed, err error) {
	if errors.Is(err, errNoEndpoint) {
		httpError(ctx, fmt.Sprintf("503 service unavailable: no endpoint of %s can serve", rc.backend), fasthttp.StatusServiceUnavailable)
		return
	}
	p.log.Warn("backend failed", "backend", rc.key, "host", string(ctx.Request.Header.Host()), "path", requestPath(ctx.Request.Header.RequestURI()), "err", err)
	httpError(ctx, "502 bad gateway: the backend failed", fasthttp.StatusBadGateway)
}

// dialFailed tells whether err is a connection to tg that could not be opened (nothing was
// sent), and if so marks tg down.
func (p *proxy) dialFailed(rc *routed, tg target, err error) bool {
	var de dialError
	if !errors.As(err, &de) {
		return false
	}
	p.balancer.markDown(tg.addr)
	p.log.Warn("endpoint refused a connection; skipped for a while", "backend", rc.key, "endpoint", tg.addr, "for", p.balancer.downFor, "err", de.err)
	return true
}

// client is the pool of kept-alive connections to one endpoint.
func (p *proxy) client(addr string) *fasthttp.HostClient {
	p.mu.RLock()
	c := p.clients[addr]
	p.mu.RUnlock()
	if c != nil {
		return c
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	if c = p.clients[addr]; c == nil {
		c = p.newClient(addr)
		p.clients[addr] = c
	}
	return c
}

// forget drops the pools of the endpoints that no route has any more, so that pods that
// come and go leave none behind.
func (p *proxy) forget(routes map[Backend]*routed) {
	keep := map[string]bool{}
	for _, rc := range routes {
		for _, t := range rc.targets {
			keep[t.addr] = true
		}
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	for addr, c := range p.clients {
		if !keep[addr] {
			delete(p.clients, addr)
			c.CloseIdleConnections()
		}
	}
}

func (p *proxy) newClient(addr string) *fasthttp.HostClient {
	return &fasthttp.HostClient{
		Addr: addr,
		Dial: p.dial,
		// The request goes on as the client wrote it: no User-Agent added, the path and
		// the header names unchanged.
		NoDefaultUserAgentHeader:      true,
		DisablePathNormalizing:        true,
		DisableHeaderNamesNormalizing: true,
		// Streams (chunked, text/event-stream) go out as they come: the server copies a
		// streamed body chunk by chunk and flushes each.
		StreamResponseBody:  true,
		ReadBufferSize:      headerBufferSize,
		WriteBufferSize:     headerBufferSize,
		MaxConns:            4096,
		MaxIdleConnDuration: backendIdleFor,
		// The connection used last is the least likely to have been closed by the endpoint.
		ConnPoolStrategy: fasthttp.LIFO,
		// fasthttp sends an idempotent request without a body once more when a kept-alive
		// connection fails under it, as net/http's Transport does; a refused connection is
		// left to the proxy, which tries another endpoint.
		MaxIdemponentCallAttempts: attempts,
		RetryIfErr: func(req *fasthttp.Request, _ int, err error) (bool, bool) {
			return false, !errors.As(err, new(dialError)) && retryable(req)
		},
	}
}

// backendIdleFor is how long a connection to an endpoint is kept unused: less than the
// 5 s after which Node.js and Apache close an idle connection. fasthttp, unlike net/http's
// Transport, does not watch an idle connection, and a request sent on one that the endpoint
// has closed fails (a POST is not sent again).
var backendIdleFor = 4 * time.Second

// dialError marks a connection that could not be opened.
type dialError struct{ err error }

func (e dialError) Error() string { return e.err.Error() }
func (e dialError) Unwrap() error { return e.err }

func (p *proxy) dial(addr string) (net.Conn, error) {
	c, err := p.dialer.Dial("tcp", addr)
	if err != nil {
		return nil, dialError{err}
	}
	return c, nil
}

// retryable: a request that may be sent twice, and can be since it has no body to replay.
func retryable(req *fasthttp.Request) bool {
	switch string(req.Header.Method()) {
	case fasthttp.MethodGet, fasthttp.MethodHead, fasthttp.MethodOptions:
		return !req.IsBodyStream() && len(req.Body()) == 0
	}
	return false
}

// httpError answers with a short plain text body, as net/http's http.Error does.
func httpError(ctx *fasthttp.RequestCtx, msg string, code int) {
	ctx.Response.Reset()
	ctx.SetStatusCode(code)
	ctx.Response.Header.SetContentType("text/plain; charset=utf-8")
	ctx.Response.Header.Set("X-Content-Type-Options", "nosniff")
	ctx.Response.SetBodyString(msg + "\n")
}
