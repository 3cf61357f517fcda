// Package apiserver is the agent's HTTP API: its routes and handlers, the JSON answers
// (errors included) in the shapes of package api, the Kubernetes-shaped views of the
// store, and the forwarding of a pod's requests (describe, logs) to the agent of the node
// that runs it. It reads and writes the cluster store; token checks are the auth package's.
package apiserver

import (
	"cmp"
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/podman-swarm/podman-swarm/agent/auth"
	"github.com/podman-swarm/podman-swarm/agent/view"
	"github.com/podman-swarm/podman-swarm/cluster"
	"github.com/podman-swarm/podman-swarm/reconcile"
)

// Cluster is what the API reads and changes of the cluster: the store, the membership and
// the join token.
type Cluster interface {
	Get(key string) (cluster.Entry, bool)
	Put(key string, value []byte) (cluster.Version, error)
	Delete(key string) (cluster.Version, error)
	Write(ctx context.Context, changes []cluster.Change, ack cluster.Ack) (cluster.Version, error)
	StoreError() error
	List(prefix string) []cluster.Entry
	Members() []cluster.Member
	Leader() string
	JoinToken() string
	RotateJoinToken(ctx context.Context) (string, error)
}

// PodRuntime is what the API asks of the pods this node runs.
type PodRuntime interface {
	Logs(ctx context.Context, podKey, container string, follow bool, w io.Writer) error
	Describe(ctx context.Context, podKey string) (reconcile.PodDetail, error)
}

// Traffic is the node's gossip byte counts.
type Traffic interface {
	Sent() uint64
	Received() uint64
}

// JoinTokenFile keeps the node's join-token file equal to the cluster's join token.
type JoinTokenFile interface {
	Update() error
}

// Config is what the API of one node is built from.
type Config struct {
	NodeName string
	// NoAuth serves every request without a token (the health check says so).
	NoAuth  bool
	Cluster Cluster
	// View is the typed view of the store the lists, objects and watches are answered from.
	View *view.View
	// Bookmarks is how often an open watch is sent a BOOKMARK; 0 takes
	// DefaultBookmarkInterval.
	Bookmarks time.Duration
	// Runtime runs this node's pods; nil when the node runs none (--runtime none).
	Runtime PodRuntime
	Tokens  *auth.Authority
	Traffic Traffic
	// JoinTokenFile is brought up to date after a rotation made on this node.
	JoinTokenFile JoinTokenFile
	// ForwardTLS verifies the other agents' API certificates when a request is passed on.
	ForwardTLS *tls.Config
	Logger     *slog.Logger
}

// Server serves the API on one listener until its context ends.
type Server struct {
	cfg           Config
	node          Cluster
	view          *view.View
	bookmarks     time.Duration
	log           *slog.Logger
	runtime       PodRuntime
	tokens        *auth.Authority
	traffic       Traffic
	joinTokenFile JoinTokenFile
	// forwarder passes requests on to other agents, verifying their API certificates.
	forwarder *http.Transport
	ln        net.Listener
	handler   http.Handler
}

// New builds the API server of a node on ln (already a TLS listener when the API speaks
// HTTPS).
func New(ln net.Listener, cfg Config) *Server {
	a := &Server{
		cfg:           cfg,
		node:          cfg.Cluster,
		view:          cfg.View,
		bookmarks:     cmp.Or(cfg.Bookmarks, DefaultBookmarkInterval),
		log:           cfg.Logger.With("component", "apiserver"),
		runtime:       cfg.Runtime,
		tokens:        cfg.Tokens,
		traffic:       cfg.Traffic,
		joinTokenFile: cfg.JoinTokenFile,
		ln:            ln,
	}
	a.forwarder = http.DefaultTransport.(*http.Transport).Clone()
	a.forwarder.TLSClientConfig = cfg.ForwardTLS
	a.handler = a.routes()
	return a
}

// Handler is the API's HTTP handler.
func (a *Server) Handler() http.Handler { return a.handler }

// shutdownTimeout bounds the wait for requests in flight when the server stops.
const shutdownTimeout = 5 * time.Second

// Start serves until ctx ends, then lets the requests in flight finish (for up to
// shutdownTimeout) and closes the listener.
func (a *Server) Start(ctx context.Context) error {
	srv := &http.Server{Handler: a.handler, ReadHeaderTimeout: 10 * time.Second}
	served := make(chan error, 1)
	go func() { served <- srv.Serve(a.ln) }()
	select {
	case err := <-served:
		return fmt.Errorf("serve the API: %w", err)
	case <-ctx.Done():
	}
	sctx, cancel := context.WithTimeout(context.Background(), shutdownTimeout)
	defer cancel()
	err := srv.Shutdown(sctx)
	if serr := <-served; !errors.Is(serr, http.ErrServerClosed) {
		err = errors.Join(err, serr)
	}
	if err != nil {
		return fmt.Errorf("stop the API server: %w", err)
	}
	return nil
}

func (a *Server) routes() http.Handler {
	e := echo.New()
	e.HideBanner, e.HidePort = true, true
	e.HTTPErrorHandler = jsonErrorHandler
	// Only the health check answers without a token: load balancers and systemd probes
	// have none, and it tells nothing about the workloads.
	e.GET("/healthz", a.health)
	e.GET("/stats", a.stats, a.tokens.Authenticate)
	v1 := e.Group("/api/v1", a.tokens.Authenticate)
	v1.POST("/manifests", a.applyManifest)
	v1.DELETE("/manifests/:namespace/:name", a.deleteObject)
	v1.GET("/pods", a.listPods)
	v1.GET("/pods/:namespace/:name", a.describePod)
	v1.GET("/pods/:namespace/:name/logs", a.podLogs)
	v1.GET("/deployments", a.listDeployments)
	v1.GET("/deployments/:namespace/:name", a.getDeployment)
	v1.GET("/services", a.listServices)
	v1.GET("/services/:namespace/:name", a.getService)
	v1.GET("/services/:namespace/:name/endpoints", a.getServiceEndpoints)
	v1.GET("/services/:namespace/:name/addresses", a.getServiceAddresses)
	v1.GET("/endpoints", a.listEndpoints)
	v1.GET("/ingresses", a.listIngresses)
	v1.GET("/ingresses/:namespace/:name", a.getIngress)
	v1.GET("/nodes", a.listNodes)
	v1.GET("/nodes/:name", a.getNode)
	v1.GET("/join-token", a.getJoinToken)
	v1.POST("/join-token/rotate", a.rotateJoinToken)
	v1.GET("/dns/whitelist", a.getWhitelist)
	v1.PUT("/dns/whitelist", a.putWhitelist)
	v1.POST("/dns/whitelist/hosts", a.addWhitelistHosts)
	v1.DELETE("/dns/whitelist/hosts/:host", a.removeWhitelistHost)
	v1.POST("/tokens", a.tokens.Create)
	v1.GET("/tokens", a.tokens.List)
	v1.DELETE("/tokens/:token", a.tokens.Revoke)
	return e
}
