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
package ingress

import (
	"context"
	"crypto/tls"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"slices"
	"sync"
	"sync/atomic"
	"time"

	"github.com/valyala/fasthttp"

	"github.com/podman-swarm/podman-swarm/api"
)

// Config is the configuration of one node's ingress.
type Config struct {
	Listen      string // plain HTTP address
	ListenTLS   string // HTTPS address, opened once some certificate is available; "" never
	Agent       string // base URL of the agent's API, read when Source is nil
	Source      Source // where the state comes from; default AgentSource{Agent}
	Class       string // the ingressClassName served (Ingresses without a class are served too)
	NodeName    string // this node, to prefer its endpoints
	NodeAddress string // this node's address, the same by address
	// SpreadAll sends requests round-robin to every ready endpoint, this node's or not,
	// instead of keeping traffic on the node when it has one.
	SpreadAll bool
	TLSDir    string // <dir>/<namespace>/<secretName>/tls.crt and tls.key
	StateFile string // last known state; "" keeps none

	PollInterval time.Duration // default 1s
	DownFor      time.Duration // how long an endpoint that refused a connection is skipped; default 5s
	DialTimeout  time.Duration // default 2s
	CertReload   time.Duration // how often certificate files are read again; default 30s
	Logger       *slog.Logger
}

// snapshot is everything a request is served from; it is replaced whole.
type snapshot struct {
	state          *State
	router         *Router
	certs          *certStore
	routes         map[Backend]*routed // of every backend of router
	node, nodeAddr string
}

// Server is a running ingress.
type Server struct {
	cfg    Config
	log    *slog.Logger
	source Source
	snap   atomic.Pointer[snapshot]
	proxy  *proxy

	httpLn  net.Listener
	httpSrv *fasthttp.Server

	mu     sync.Mutex
	tlsLn  net.Listener
	tlsSrv *fasthttp.Server

	// owned by the loop
	stateJSON    []byte
	polled       *State // the last state the source gave (an AgentSource gives it again while nothing changed)
	agentDown    bool
	certProblems []string
	certsLoaded  time.Time

	done chan struct{}
	err  error
}

// Start loads the state file, opens the HTTP listener and follows the agent until ctx ends.
func Start(ctx context.Context, cfg Config) (*Server, error) {
	if cfg.PollInterval <= 0 {
		cfg.PollInterval = time.Second
	}
	if cfg.DownFor <= 0 {
		cfg.DownFor = 5 * time.Second
	}
	if cfg.DialTimeout <= 0 {
		cfg.DialTimeout = 2 * time.Second
	}
	if cfg.CertReload <= 0 {
		cfg.CertReload = 30 * time.Second
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.Default()
	}
	if cfg.Source == nil {
		client, err := api.NewClient(api.ClientConfig{Server: cfg.Agent, Timeout: 5 * time.Second})
		if err != nil {
			return nil, fmt.Errorf("--agent: %w", err)
		}
		cfg.Source = &AgentSource{API: client}
	}
	s := &Server{cfg: cfg, log: cfg.Logger.With("component", "ingress"), done: make(chan struct{}), source: cfg.Source}
	st, err := loadState(cfg.StateFile)
	if err != nil {
		return nil, err
	}
	if len(st.Ingresses) > 0 || len(st.Services) > 0 {
		s.log.Info("serving the last known state until the agent answers", "file", cfg.StateFile, "ingresses", len(st.Ingresses), "services", len(st.Services))
	}
	s.stateJSON, _ = json.Marshal(st)
	s.apply(st)

	bal := newBalancer(cfg.DownFor)
	s.proxy = newProxy(s.snap.Load, bal, cfg.DialTimeout, s.log)
	if s.httpLn, err = net.Listen("tcp", cfg.Listen); err != nil {
		return nil, fmt.Errorf("listen on %s: %w; a port under 1024 needs net.ipv4.ip_unprivileged_port_start lowered (see README)", cfg.Listen, err)
	}
	s.httpSrv = s.newHTTPServer()
	go s.serve(s.httpSrv, s.httpLn)
	s.log.Info("serving HTTP", "listen", s.httpLn.Addr().String(), "agent", cfg.Agent, "class", cfg.Class)
	s.maybeListenTLS()
	go s.loop(ctx)
	return s, nil
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

// Wait returns once the context given to Start has ended and the listeners are closed.
func (s *Server) Wait() error {
	<-s.done
	return s.err
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

// loop polls the agent, applies changes, and shuts the listeners down at the end.
func (s *Server) loop(ctx context.Context) {
	defer close(s.done)
	t := time.NewTicker(s.cfg.PollInterval)
	defer t.Stop()
	for {
		s.poll(ctx)
		select {
		case <-ctx.Done():
			s.log.Info("stopping")
			s.shutdown()
			return
		case <-t.C:
		}
	}
}

func (s *Server) poll(ctx context.Context) {
	fctx, cancel := context.WithTimeout(ctx, 5*time.Second)
	st, err := s.source.State(fctx)
	cancel()
	if err != nil {
		if ctx.Err() == nil && !s.agentDown {
			s.log.Warn("agent unreachable; serving the last known state", "err", err)
		}
		s.agentDown = true
		s.reloadCertsIfDue()
		return
	}
	if s.agentDown {
		s.log.Info("agent reachable again")
		s.agentDown = false
	}
	if st == s.polled { // the source's answer did not change
		s.reloadCertsIfDue()
		return
	}
	s.polled = st
	data, err := json.Marshal(st)
	if err != nil {
		s.log.Error("encode state", "err", err)
		return
	}
	if string(data) == string(s.stateJSON) {
		s.reloadCertsIfDue()
		return
	}
	var old State
	_ = json.Unmarshal(s.stateJSON, &old)
	logChanges(s.log, &old, st)
	s.stateJSON = data
	s.apply(st)
	if err := saveState(s.cfg.StateFile, data); err != nil {
		s.log.Warn("state file not written; a restart without the agent would serve an older state", "file", s.cfg.StateFile, "err", err)
	}
}

func (s *Server) reloadCertsIfDue() {
	if time.Since(s.certsLoaded) >= s.cfg.CertReload {
		s.apply(s.snap.Load().state)
	}
}

// apply compiles a state into the snapshot served from, with its certificates.
func (s *Server) apply(st *State) {
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
	if s.httpLn != nil {
		s.proxy.forget(routes)
		s.maybeListenTLS()
	}
}

// maybeListenTLS opens the HTTPS listener the first time a certificate is available.
func (s *Server) maybeListenTLS() {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.tlsLn != nil || s.cfg.ListenTLS == "" || s.snap.Load().certs.empty() {
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

func (s *Server) shutdown() {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	err := s.httpSrv.ShutdownWithContext(ctx)
	s.mu.Lock()
	if s.tlsSrv != nil {
		err = errors.Join(err, s.tlsSrv.ShutdownWithContext(ctx))
	}
	s.mu.Unlock()
	if err != nil {
		s.err = fmt.Errorf("stop the ingress: %w", err)
	}
}
