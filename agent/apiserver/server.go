// Package apiserver is the agent's HTTP API: its routes and handlers, the JSON answers
// (errors included) in the shapes of package api, the Kubernetes-shaped views of the
// store, and the forwarding of a pod's requests (describe, logs, exec, port-forward) to the agent of the node
// that runs it. It reads and writes the cluster store. The right each route needs is in
// one table (access); the checks of tokens and rights are the auth package's.
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
	"github.com/podman-swarm/podman-swarm/manifest"
	"github.com/podman-swarm/podman-swarm/netalloc"
	"github.com/podman-swarm/podman-swarm/reconcile"
)

// Cluster is what the API reads and changes of the cluster: the store, the membership, the
// removals and the join token.
type Cluster interface {
	Get(key string) (cluster.Entry, bool)
	// Lookup is Get that also returns a tombstone.
	Lookup(key string) (cluster.Entry, bool)
	Put(key string, value []byte) (cluster.Version, error)
	Delete(key string) (cluster.Version, error)
	Write(ctx context.Context, changes []cluster.Change, ack cluster.Ack) (cluster.Version, error)
	StoreError() error
	List(prefix string) []cluster.Entry
	// WatchKeys hands each key under prefix that changes here, until stop is called.
	WatchKeys(prefix string) (keys <-chan string, stop func())
	// Count is how many keys List("") would return.
	Count() int
	Members() []cluster.Member
	Leader() string
	HealthScore() int
	JoinToken() string
	RotateJoinToken(ctx context.Context) (string, error)
	RemoveMember(ctx context.Context, name string) (string, error)
	ForgetRemoval(name string) error
	Removals() []cluster.Removal
}

// PodRuntime is what the API asks of the pods this node runs.
type PodRuntime interface {
	Logs(ctx context.Context, podKey, container string, opts reconcile.LogOptions, w io.Writer) error
	Describe(ctx context.Context, podKey string) (reconcile.PodDetail, error)
	// EndedLogs writes the log of a container of a pod whose units are gone from this
	// node (a Job's pod that finished).
	EndedLogs(ctx context.Context, namespace, pod, container string, opts reconcile.LogOptions, w io.Writer) error
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
	// Attach runs commands in this node's pods and reaches their ports; nil when the node
	// runs none.
	Attach PodAttacher
	// Usage finds the cgroups of this node's containers for `swarm top`; nil when the
	// node runs no pods.
	Usage   PodUsageSource
	Tokens  *auth.Authority
	Traffic Traffic
	// JoinTokenFile is brought up to date after a rotation or a removal made on this node.
	JoinTokenFile JoinTokenFile
	// ForwardTLS verifies the other agents' API certificates when a request is passed on.
	ForwardTLS *tls.Config
	Logger     *slog.Logger
	// Network is this node's ranges, used until the cluster's record (settings/network)
	// has reached it; the zero value takes netalloc's defaults.
	Network netalloc.Ranges
}

// Server serves the API on one listener until its context ends.
type Server struct {
	cfg           Config
	network       netalloc.Ranges
	node          Cluster
	view          *view.View
	bookmarks     time.Duration
	log           *slog.Logger
	runtime       PodRuntime
	attach        PodAttacher
	usage         PodUsageSource
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
	if cfg.Network == (netalloc.Ranges{}) {
		cfg.Network = netalloc.DefaultRanges()
	}
	log := cfg.Logger.With("component", "apiserver")
	a := &Server{
		cfg:           cfg,
		network:       cfg.Network,
		node:          lineageCluster{Cluster: cfg.Cluster, log: log},
		view:          cfg.View,
		bookmarks:     cmp.Or(cfg.Bookmarks, DefaultBookmarkInterval),
		log:           log,
		runtime:       cfg.Runtime,
		attach:        cfg.Attach,
		usage:         cfg.Usage,
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
	e.HTTPErrorHandler = a.errorHandler
	// Only the health check answers without a token: load balancers and systemd probes
	// have none, and it tells nothing about the workloads. Each route's right is in access.
	a.handle(e, "", http.MethodGet, "/healthz", a.health)
	a.handle(e, "", http.MethodGet, "/stats", a.stats)
	a.handle(e, "", http.MethodGet, "/version", a.serverVersion)
	// The group authenticates every request under it, also to paths that do not exist,
	// which answer 401 rather than tell which paths do.
	v1 := e.Group("/api/v1", a.tokens.Authenticate)
	add := func(method, path string, h echo.HandlerFunc) { a.handle(v1, "/api/v1", method, path, h) }
	// The lists of pods, services, events, configmaps, secrets, persistentvolumeclaims,
	// nodes and namespaces here, a node and a namespace, are Kubernetes' too: the
	// compatible API's reads answer them (kube_read.go). The routes below whose paths
	// Kubernetes has too (DELETE of a namespace or a node, PATCH of a node) answer their
	// errors as Statuses, as every such path does (see errorHandler).
	get, post, put, del := http.MethodGet, http.MethodPost, http.MethodPut, http.MethodDelete
	add(post, "/manifests", a.applyManifest)
	add(del, "/manifests/:namespace/:name", a.deleteObject)
	add(get, "/pods/:namespace/:name", a.describePod)
	add(get, "/pods/:namespace/:name/logs", a.podLogs)
	add(post, "/pods/:namespace/:name/exec", a.execPod)
	add(post, "/pods/:namespace/:name/portforward", a.portForwardPod)
	add(get, "/deployments", a.listDeployments)
	add(get, "/deployments/:namespace/:name", a.getDeployment)
	add(get, "/services/:namespace/:name", a.getService)
	add(get, "/services/:namespace/:name/endpoints", a.getServiceEndpoints)
	add(get, "/services/:namespace/:name/addresses", a.getServiceAddresses)
	add(get, "/endpoints", a.listEndpoints)
	add(get, "/ingresses", a.listIngresses)
	add(get, "/ingresses/:namespace/:name", a.getIngress)
	add(get, "/persistentvolumeclaims/:namespace/:name", a.getClaim)
	add(get, "/daemonsets", a.listDaemonSets)
	add(get, "/daemonsets/:namespace/:name", a.getDaemonSet)
	add(get, "/statefulsets", a.listStatefulSets)
	add(get, "/statefulsets/:namespace/:name", a.getStatefulSet)
	add(http.MethodPatch, "/deployments/:namespace/:name", a.patchObject("Deployment"))
	add(http.MethodPatch, "/statefulsets/:namespace/:name", a.patchObject(manifest.KindStatefulSet))
	add(http.MethodPatch, "/daemonsets/:namespace/:name", a.patchObject("DaemonSet"))
	add(get, "/deployments/:namespace/:name/revisions", a.listRevisions)
	add(post, "/deployments/:namespace/:name/rollback", a.rollbackDeployment)
	add(del, "/namespaces/:name", a.deleteNamespace)
	add(get, "/jobs", a.listJobs)
	add(get, "/jobs/:namespace/:name", a.getJob)
	add(get, "/jobs/:namespace/:name/pods", a.listJobPods)
	add(get, "/cronjobs", a.listCronJobs)
	add(get, "/cronjobs/:namespace/:name", a.getCronJob)
	add(get, "/configmaps/:namespace/:name", a.getConfigMap)
	add(get, "/secrets/:namespace/:name", a.getSecret)
	add(get, "/nodes/:name/usage", a.nodeUsage)
	add(del, "/nodes/:name", a.removeNode)
	add(http.MethodPatch, "/nodes/:name", a.patchNode)
	add(get, "/removals", a.listRemovals)
	add(del, "/removals/:name", a.forgetRemoval)
	add(get, "/join-token", a.getJoinToken)
	add(post, "/join-token/rotate", a.rotateJoinToken)
	add(get, "/dns/whitelist", a.getWhitelist)
	add(put, "/dns/whitelist", a.putWhitelist)
	add(post, "/dns/whitelist/hosts", a.addWhitelistHosts)
	add(del, "/dns/whitelist/hosts/:host", a.removeWhitelistHost)
	add(post, "/tokens", a.tokens.Create)
	add(get, "/tokens", a.tokens.List)
	add(del, "/tokens/:token", a.tokens.Revoke)
	a.kubeRoutes(e, v1)
	return e
}
