// Package ingress is the HTTP ingress of a node: it follows the agent's Ingresses and
// Service endpoints, and proxies each request by host and path to a ready endpoint (node
// address + published port), preferring endpoints on its own node. It keeps serving the
// last known state when the agent is down, and starts from its state file.
//
// Routing follows networking.k8s.io/v1 (see Router for the precedence and how conflicts
// are settled). Endpoints are taken round-robin per backend; when any ready endpoint is on
// this node, only this node's are used. An endpoint that refuses a connection is skipped for
// Config.DownFor, and a GET, HEAD or OPTIONS without a body is then sent once to another
// endpoint. The client gets 404 when no rule matches, 503 when the backend has no endpoint
// that can serve, and 502 when the endpoint fails. Upgrades (WebSocket) and streamed
// responses pass through; backends see the client in X-Forwarded-For, -Proto and -Host,
// and the Host header as the client sent it. HTTPS is served with the certificates of the
// Ingresses' tls sections, picked by SNI, once one of them is found in Config.TLSDir.
// Requests and responses are HTTP/1.1, served and proxied with fasthttp; a request's or a
// response's header is limited to 16 KiB (a client gets 431, or 502 for the response).
//
// Beside HTTP, the ingress forwards the node ports of NodePort and LoadBalancer Services
// (TCP and UDP, see package l4) on the host of Config.Listen, unless Config.NoNodePorts.
package ingress

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"slices"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	"github.com/valyala/fasthttp"
	corev1 "k8s.io/api/core/v1"

	"github.com/podman-swarm/podman-swarm/ingress/l4"
	"github.com/podman-swarm/podman-swarm/internal/follow"
)

// snapshot is everything a request is served from; it is replaced whole.
type snapshot struct {
	state          *State
	router         *Router
	certs          *certStore
	routes         map[Backend]*routed // of every backend of router
	node, nodeAddr string
}

// Server is a node's ingress. It is a lifecycle.Runnable; its Follower is another, run
// beside it.
type Server struct {
	cfg      Config
	log      *slog.Logger
	follower *follow.Follower[State]
	snap     atomic.Pointer[snapshot]
	proxy    *proxy

	httpLn  net.Listener
	httpSrv *fasthttp.Server
	ports   *l4.Forwarder // nil with Config.NoNodePorts

	mu               sync.Mutex // of the fields below
	serving, stopped bool       // Start has begun serving; it has stopped
	tlsLn            net.Listener
	tlsSrv           *fasthttp.Server

	applyMu      sync.Mutex // one snapshot is made at a time: the follower's or the certificates'
	certProblems []string
	certsLoaded  time.Time
}

// New starts from the state file and binds the HTTP listener; Start serves.
func New(cfg Config) (*Server, error) {
	cfg = withDefaults(cfg)
	s := &Server{cfg: cfg, log: cfg.Logger.With("component", "ingress")}
	var err error
	if s.follower, err = s.newFollower(); err != nil {
		return nil, err
	}
	st := s.follower.State()
	if len(st.Ingresses) > 0 || len(st.Services) > 0 {
		s.log.Info("serving the last known state until the agent answers", "file", cfg.StateFile, "ingresses", len(st.Ingresses), "services", len(st.Services))
	}
	s.apply(&st)

	bal := newBalancer(cfg.DownFor)
	s.proxy = newProxy(s.snap.Load, bal, cfg.DialTimeout, s.log)
	if s.httpLn, err = net.Listen("tcp", cfg.Listen); err != nil {
		return nil, fmt.Errorf("listen on %s: %w; a port under 1024 needs net.ipv4.ip_unprivileged_port_start lowered (see README)", cfg.Listen, err)
	}
	s.httpSrv = s.newHTTPServer()
	if !cfg.NoNodePorts {
		s.ports = l4.New(l4.Config{Address: listenHost(cfg.Listen), Reserved: ownPorts(cfg), DialTimeout: cfg.DialTimeout,
			OpenedFile: cfg.PortsFile, Logger: cfg.Logger})
		s.ports.Apply(st.Services)
	}
	return s, nil
}

// listenHost is the host of a listen address, where the node ports are opened too: "" for
// every address.
func listenHost(listen string) string {
	host, _, err := net.SplitHostPort(listen)
	if err != nil {
		return ""
	}
	return host
}

// ownPorts are the ingress's own HTTP and HTTPS ports, which no LoadBalancer Service takes.
func ownPorts(cfg Config) []l4.Key {
	var out []l4.Key
	for _, addr := range []string{cfg.Listen, cfg.ListenTLS} {
		if _, p, err := net.SplitHostPort(addr); err == nil {
			if n, err := strconv.Atoi(p); err == nil && n > 0 {
				out = append(out, l4.Key{Protocol: corev1.ProtocolTCP, Port: int32(n)})
			}
		}
	}
	return out
}

// Follower is what keeps the ingress in step with the agent; run it beside the server.
func (s *Server) Follower() *follow.Follower[State] { return s.follower }

// Start serves HTTP, and HTTPS once a certificate is available, until ctx ends; then it
// closes the listeners and returns.
func (s *Server) Start(ctx context.Context) error {
	s.mu.Lock()
	s.serving = true
	s.mu.Unlock()
	go s.serve(s.httpSrv, s.httpLn)
	s.log.Info("serving HTTP", "listen", s.httpLn.Addr().String(), "agent", s.cfg.Agent, "class", s.cfg.Class)
	s.maybeListenTLS()
	// Certificate files are read again with each change of the state, and otherwise once
	// CertReload has passed: checked as often as the agent is polled.
	t := time.NewTicker(s.cfg.PollInterval)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			s.log.Info("stopping")
			return s.shutdown()
		case <-t.C:
			s.reloadCertsIfDue()
		}
	}
}

// Addr is the HTTP listener's address.
func (s *Server) Addr() net.Addr { return s.httpLn.Addr() }

// TLSAddr is the HTTPS listener's address, nil while no certificate is available.
func (s *Server) TLSAddr() net.Addr {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.tlsLn == nil {
		return nil
	}
	return s.tlsLn.Addr()
}

// headerBufferSize bounds a request's or a response's header (fasthttp answers a longer
// one with 431, or fails it as a bad response).
const headerBufferSize = 16 << 10

func (s *Server) newHTTPServer() *fasthttp.Server {
	return &fasthttp.Server{
		Handler: s.proxy.serve,
		// The backend's answer goes out as it came: no Server, Date or Content-Type added.
		NoDefaultServerHeader: true,
		NoDefaultDate:         true,
		NoDefaultContentType:  true,
		// A request body larger than fasthttp's buffered limit is sent on as it arrives.
		StreamRequestBody: true,
		ReadBufferSize:    headerBufferSize,
		// A client has headerTimeout to send a request's header, and no limit for its body
		// once the header is in (an upload may be long): fasthttp's ReadTimeout covers both,
		// so it is lifted when the header has arrived.
		ReadTimeout: headerTimeout,
		HeaderReceived: func(*fasthttp.RequestHeader) fasthttp.RequestConfig {
			return fasthttp.RequestConfig{ReadTimeout: bodyTimeout}
		},
		IdleTimeout: 90 * time.Second,
		Logger:      slogPrintf{s.log},
	}
}

// headerTimeout bounds the wait for a request's header, so that clients that open
// connections and send nothing, or a byte at a time, do not hold them for ever.
var headerTimeout = 10 * time.Second

// bodyTimeout is, in effect, no limit on reading a request's body.
const bodyTimeout = 24 * time.Hour

// slogPrintf gives fasthttp's log lines (broken connections, bad requests) to slog.
type slogPrintf struct{ log *slog.Logger }

func (l slogPrintf) Printf(format string, args ...any) {
	l.log.Debug(fmt.Sprintf(format, args...))
}

func (s *Server) serve(srv *fasthttp.Server, ln net.Listener) {
	if err := srv.Serve(ln); err != nil {
		s.log.Error("listener failed", "listen", ln.Addr().String(), "err", err)
	}
}

func (s *Server) reloadCertsIfDue() {
	s.applyMu.Lock()
	defer s.applyMu.Unlock()
	if time.Since(s.certsLoaded) >= s.cfg.CertReload {
		s.applyLocked(s.snap.Load().state)
	}
}

// apply compiles a state into the snapshot served from, with its certificates.
func (s *Server) apply(st *State) {
	s.applyMu.Lock()
	defer s.applyMu.Unlock()
	s.applyLocked(st)
}

func (s *Server) applyLocked(st *State) {
	certs, problems := loadCerts(st.Ingresses, s.cfg.Class, s.cfg.TLSDir)
	s.certsLoaded = time.Now()
	if !slices.Equal(problems, s.certProblems) {
		for _, p := range problems {
			s.log.Warn("certificate not loaded; its hosts get the fallback certificate or plain HTTP", "problem", p)
		}
		s.certProblems = problems
	}
	router := NewRouter(st.Ingresses, s.cfg.Class)
	node, nodeAddr := s.cfg.NodeName, s.cfg.NodeAddress
	if s.cfg.SpreadAll {
		node, nodeAddr = "", "" // no endpoint is local: round-robin over all
	}
	routes := newRoutes(st, router, node, nodeAddr)
	s.snap.Store(&snapshot{state: st, router: router, certs: certs, routes: routes,
		node: s.cfg.NodeName, nodeAddr: s.cfg.NodeAddress})
	if s.proxy != nil {
		s.proxy.forget(routes)
		s.maybeListenTLS()
	}
	if s.ports != nil {
		// Also at each certificate reload with the same state: a port that was taken is
		// tried again.
		s.ports.Apply(st.Services)
	}
}

// maybeListenTLS opens the HTTPS listener the first time a certificate is available while
// the server serves.
func (s *Server) maybeListenTLS() {
	s.mu.Lock()
	defer s.mu.Unlock()
	if !s.serving || s.stopped || s.tlsLn != nil || s.cfg.ListenTLS == "" || s.snap.Load().certs.empty() {
		return
	}
	ln, err := net.Listen("tcp", s.cfg.ListenTLS)
	if err != nil {
		s.log.Warn("HTTPS not served; retrying with the next change", "listen", s.cfg.ListenTLS, "err", err)
		return
	}
	ln = tls.NewListener(ln, &tls.Config{
		MinVersion: tls.VersionTLS12,
		NextProtos: []string{"http/1.1"},
		GetCertificate: func(hello *tls.ClientHelloInfo) (*tls.Certificate, error) {
			return s.snap.Load().certs.get(hello.ServerName), nil
		},
	})
	srv := s.newHTTPServer()
	s.tlsLn, s.tlsSrv = ln, srv
	go s.serve(srv, ln)
	s.log.Info("serving HTTPS", "listen", ln.Addr().String())
}

// shutdown closes the listeners and waits a while for the requests in flight.
func (s *Server) shutdown() error {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	err := s.httpSrv.ShutdownWithContext(ctx)
	// A server shut down before its Serve began does not know its listener yet: closing it
	// ends that Serve at once.
	_ = s.httpLn.Close()
	if s.ports != nil {
		err = errors.Join(err, s.ports.Close())
	}
	s.mu.Lock()
	s.stopped = true
	if s.tlsSrv != nil {
		err = errors.Join(err, s.tlsSrv.ShutdownWithContext(ctx))
		_ = s.tlsLn.Close()
	}
	s.mu.Unlock()
	if err != nil {
		return fmt.Errorf("stop the ingress: %w", err)
	}
	return nil
}
