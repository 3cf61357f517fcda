// Package agent runs one node of the cluster. It reads the node's configuration, joins or
// founds the cluster, and runs the node's parts together, each from its own package:
//
//   - store: the layout of the replicated store (keys, typed records, a typed snapshot);
//   - view: the typed, indexed view of the store the API answers lists, objects and
//     watches from;
//   - apiserver: the HTTP API, its views of the store and its forwarding to other agents;
//   - auth: the API tokens and the check of every request's;
//   - schedule: the scheduling loop, which plans while this node leads;
//   - liveness: the leader's verdict on each member, which tells an agent that is down
//     from a node that is lost (its workloads silent too): only a lost node's pods move;
//   - noderuntime: this node's pods handed to the reconciler, their drain, the check of
//     their published ports, and the writer of their status records;
//   - events: the cluster's events (a Recorder for every part), their retention, and the
//     WriteConflict warnings for writes a concurrent write replaced;
//   - traffic: the gossip byte counters; nodemeta: what each node gossips about itself,
//     the health of its store among it, which the agent keeps current.
//
// A node removed from the cluster by another member stops its pods and then itself (see
// removalWatch).
//
// Every loop and server is a lifecycle.Runnable run under one lifecycle.Group: Shutdown
// ends the group's context and waits for every part, after which the node leaves the
// cluster (when asked to) and stops.
package agent

import (
	"context"
	"crypto/tls"
	"fmt"
	"log/slog"
	"net"
	"path/filepath"
	"sync"

	"github.com/hashicorp/memberlist"

	"github.com/podman-swarm/podman-swarm/agent/apiserver"
	"github.com/podman-swarm/podman-swarm/agent/auth"
	"github.com/podman-swarm/podman-swarm/agent/events"
	"github.com/podman-swarm/podman-swarm/agent/liveness"
	"github.com/podman-swarm/podman-swarm/agent/nodemeta"
	"github.com/podman-swarm/podman-swarm/agent/noderuntime"
	"github.com/podman-swarm/podman-swarm/agent/podconfig"
	"github.com/podman-swarm/podman-swarm/agent/prober"
	"github.com/podman-swarm/podman-swarm/agent/quorum"
	"github.com/podman-swarm/podman-swarm/agent/schedule"
	"github.com/podman-swarm/podman-swarm/agent/store"
	"github.com/podman-swarm/podman-swarm/agent/traffic"
	"github.com/podman-swarm/podman-swarm/agent/view"
	"github.com/podman-swarm/podman-swarm/api"
	"github.com/podman-swarm/podman-swarm/cluster"
	"github.com/podman-swarm/podman-swarm/internal/lifecycle"
	"github.com/podman-swarm/podman-swarm/netalloc"
	"github.com/podman-swarm/podman-swarm/reconcile"
)

// APITokenFile is the file in the state folder where the agent keeps its own node's API
// token: api.TokenFile, which clients look for.
const APITokenFile = api.TokenFile

// watchBookmarks is how often the API sends an open watch a BOOKMARK; a variable so that
// the tests need not wait for the default.
var watchBookmarks = apiserver.DefaultBookmarkInterval

// Agent is one running node.
type Agent struct {
	cfg    Config
	node   *cluster.Node
	ln     net.Listener
	api    *apiserver.Server
	view   *view.View
	status *noderuntime.StatusWriter
	member *membership
	run    *lifecycle.Background

	once sync.Once
	err  error
}

// Start runs a node until Shutdown: it joins or founds the cluster, serves the API and
// schedules while it leads. ctx bounds the start (joining, connecting to systemd) only.
func Start(ctx context.Context, cfg Config) (*Agent, error) {
	cfg = cfg.withDefaults()
	if err := cfg.validate(); err != nil {
		return nil, err
	}
	logger := cfg.Logger.With("node", cfg.NodeName)
	log := logger.With("component", "agent")
	tlsServer, forwardTLS, err := apiTLS(cfg)
	if err != nil {
		return nil, err
	}
	ln, err := net.Listen("tcp", cfg.APIListen)
	if err != nil {
		return nil, fmt.Errorf("listen for the API on %s: %w", cfg.APIListen, err)
	}
	ccfg, err := clusterConfig(cfg, advertisedAPI(ln.Addr().String(), cfg))
	if err != nil {
		ln.Close()
		return nil, err
	}
	if tlsServer != nil {
		ccfg.Meta[nodemeta.APIScheme] = "https"
		ln = tls.NewListener(ln, tlsServer)
	}
	gossip := &traffic.Counter{}
	ccfg.WrapTransport = gossip.Wrap
	// Set before the node starts: what it merges while it joins is judged too.
	replacements := events.NewReplacements()
	ccfg.OnReplace = replacements.Observe
	if cfg.tuneCluster != nil {
		cfg.tuneCluster(&ccfg)
	}
	if wrap := cfg.WrapTransport; wrap != nil {
		ccfg.WrapTransport = func(t memberlist.NodeAwareTransport) memberlist.NodeAwareTransport {
			return gossip.Wrap(wrap(t))
		}
	}
	node, err := cluster.Start(ctx, ccfg)
	if err != nil {
		ln.Close()
		return nil, err
	}
	advertiseAPIReachably(node, ccfg.Meta, log)
	founding := len(cfg.Join) == 0 && len(node.Members()) == 1
	joinToken := newJoinTokenFile(cfg.StateDir, node, log)
	tokens := auth.New(node, cfg.NodeName, cfg.NoAuth, cfg.Clock, logger)
	err = joinToken.Update()
	if err == nil && !cfg.NoAuth {
		err = tokens.EnsureNodeToken(cfg.StateDir, founding && len(tokens.Records()) == 0)
	}
	if err != nil {
		node.Shutdown()
		ln.Close()
		return nil, err
	}
	if cfg.NoAuth {
		log.Warn("API AUTHENTICATION IS OFF (--no-auth): anyone who reaches " + ln.Addr().String() +
			" can run any container as this user and read every secret of the cluster; use it only on a closed test network")
	}
	if founding {
		// Never the token itself: logs are read by more people, and kept longer, than the
		// file is.
		log.Info("node is up and founded a cluster; to add a node, run `swarm join-token` on this node, which prints the command to run on it",
			"gossip", node.Addr(), "api", ln.Addr().String(), "join_token_file", filepath.Join(cfg.StateDir, JoinTokenFile))
	} else {
		log.Info("node is up", "gossip", node.Addr(), "api", ln.Addr().String(), "members", len(node.Members()))
	}

	netSpec := cfg.networkSpec()
	checkNetwork(node, netSpec, log)
	netRanges, _ := netalloc.Parse(netSpec, nil) // checked by validate

	recorder := events.NewRecorder(node, cfg.NodeName, cfg.Clock, logger)
	addr := nodeAddress(cfg, node.Addr())
	status := noderuntime.NewStatusWriter(node, cfg.NodeName, addr, logger)
	var parts lifecycle.Group
	roster := quorum.OpenRoster(cfg.StateDir, logger)
	var fence *noderuntime.Fence // nil unless SelfFence
	if cfg.SelfFence {
		fence = noderuntime.NewFence(node, roster, cfg.probeInterval(), cfg.DeadGrace, logger)
		parts.Add("fence", fence)
	}
	views := view.New(view.Config{Source: node, Shapes: apiserver.Shapes(), Logger: logger})
	runtime := cfg.PodRuntime // nil with RuntimeNone, unless a test sets it
	var pods *podGate         // nil with RuntimeNone
	attach, usage := cfg.PodAttach, cfg.PodUsage
	if cfg.Runtime == RuntimeSystemd {
		if err := noderuntime.ForgetEarlierBoot(ctx, node, cfg.NodeName, cfg.StateDir, logger); err != nil {
			log.Warn("could not tell whether the machine booted since the agent last ran; its pods' last status stands until they are seen", "err", err)
		}
		var probes *prober.Prober // set before any part starts, so before the first report
		report := func(key string, s reconcile.Status) {
			status.Report(key, s)
			probes.Poke()
		}
		r, configs, ports, err := startPods(ctx, cfg, node, addr, netRanges, report, logger)
		if err != nil {
			node.Shutdown()
			ln.Close()
			return nil, fmt.Errorf("start the systemd runtime: %w", err)
		}
		pods = &podGate{runtime: configs}
		parts.Add("reconciler", r)
		// In the background, so that the first pod does not build podman's pause image.
		parts.Add("pauseimage", reconcile.PauseImageWarmup{Logger: logger})
		probes = newProber(r, status, recorder, addr, logger)
		parts.Add("prober", probes)
		parts.Add("pods", noderuntime.NewLoop(node, cfg.NodeName, pods, status, fence, logger).
			WithNodePorts(ports).WithCurrentStatus(r.Status).
			WithTerminator(noderuntime.NewTerminator(r, addr, recorder, logger)))
		keeper := newNetKeeper(cfg, views, node, ports, r, logger)
		parts.Add("pod-rules", keeper)
		parts.Add("pod-rules-poke", pokeOnChange{views: views, keeper: keeper})
		if runtime == nil {
			runtime = r
		}
		if attach == nil {
			attach = r
		}
		if usage == nil {
			usage = r
		}
	}
	if remove := cfg.volumeRemover(); remove != nil {
		parts.Add("claims", noderuntime.NewClaimReaper(node, cfg.NodeName, remove, logger))
	}
	parts.Add("view", views)
	server := apiserver.New(ln, apiserver.Config{
		NodeName:      cfg.NodeName,
		NoAuth:        cfg.NoAuth,
		Cluster:       viewedNode{Node: node, view: views},
		View:          views,
		Bookmarks:     watchBookmarks,
		Runtime:       runtime,
		Attach:        attach,
		Usage:         usage,
		Tokens:        tokens,
		Traffic:       gossip,
		JoinTokenFile: joinToken,
		ForwardTLS:    forwardTLS,
		Logger:        logger,
		Network:       netRanges,
	})
	parts.Add("api", server)
	scheduling := schedule.New(node, cfg.DeadGrace, cfg.probeInterval(), roster, cfg.Clock, logger)
	scheduling.SetNetwork(netRanges, recorder)
	scheduling.SetRollbackOnFailure(cfg.RollbackOnFailure)
	parts.Add("schedule", scheduling)
	parts.Add("liveness", liveness.New(liveness.Config{
		Node: node, Grace: cfg.DeadGrace, Interval: cfg.probeInterval(), Dial: cfg.dialWorkloads, Now: cfg.Clock, Logger: logger,
	}))
	health := newStoreHealth(node, ccfg.Meta, scheduling.WriteError, cfg.Clock, logger)
	health.lbPorts = ingressLoadBalancerPorts(filepath.Join(cfg.StateDir, IngressPortsFile))
	parts.Add("store-health", health)
	parts.Add("join-token-file", joinToken)
	parts.Add("removal", &removalWatch{node: node, name: cfg.NodeName, pods: pods, unitDir: cfg.UnitDir, log: log})
	parts.Add("events", events.New(events.Config{
		Store:        node,
		Recorder:     recorder,
		Replacements: replacements,
		NodeName:     cfg.NodeName,
		Clock:        cfg.Clock,
		Logger:       logger,
	}))
	// Also without a runtime: a status reported by other means (the tests) is checked alike.
	parts.Add("portcheck", noderuntime.NewPortCheck(status, cfg.NodeName, addr))

	a := &Agent{cfg: cfg, node: node, ln: ln, api: server, view: views, status: status}
	a.member = &membership{node: node, parts: &parts, log: log}
	var all lifecycle.Group
	all.Add("node", a.member)
	a.run = all.Go(context.WithoutCancel(ctx))
	return a, nil
}

// startPods builds this node's pod runtime: the table of its pods' node ports, the
// reconciler that renders each pod with its network, and in front of it the keeper of what
// the pods take from ConfigMaps and Secrets.
func startPods(ctx context.Context, cfg Config, node *cluster.Node, addr string, ranges netalloc.Ranges, report func(podKey string, s reconcile.Status), log *slog.Logger) (*reconcile.Reconciler, *podconfig.Keeper, *noderuntime.NodePorts, error) {
	opts, err := renderOptions(cfg, addr)
	if err != nil {
		return nil, nil, nil, err
	}
	objects := &podconfig.Objects{}
	opts.Config, opts.Pinned = objects, objects.Pinned
	if err := podconfig.PrepareConfigDir(opts.ConfigDir); err != nil {
		return nil, nil, nil, fmt.Errorf("create the folder of configMap volumes: %w", err)
	}
	ports, err := openNodePorts(cfg, node, addr, opts.SwarmBinary, ranges, log)
	if err != nil {
		return nil, nil, nil, err
	}
	r, err := startSystemdRuntime(ctx, cfg, opts, ports, report)
	if err != nil {
		return nil, nil, nil, err
	}
	keeper := podconfig.NewKeeper(node, objects, opts, podconfig.Podman{}, r, log)
	if err := keeper.KeepPinsIn(filepath.Join(cfg.StateDir, PinnedConfigFile)); err != nil {
		log.Warn("cannot read what the pods were created with: a running pod whose ConfigMap or Secret changed meanwhile takes the current values", "component", "podconfig", "err", err)
	}
	// The reconciler's first pass must see the pods this node runs (the store is read back
	// from disk by now), each with the network it has: with an empty desired list it would
	// stop them all, with another network restart them.
	st := store.Read(node, log)
	mine := noderuntime.Assigned(st, cfg.NodeName)
	ports.Update(mine, noderuntime.PodIPs(st, cfg.NodeName))
	keeper.SetDesired(mine)
	return r, keeper, ports, nil
}

// APIAddr is the address the API listens on.
func (a *Agent) APIAddr() string { return a.ln.Addr().String() }

// Node gives access to the node's cluster membership and store.
func (a *Agent) Node() *cluster.Node { return a.node }

// Done is closed once the node has stopped: after Shutdown, or after one of its parts
// failed, which stops the others (Shutdown then returns the failure).
func (a *Agent) Done() <-chan struct{} { return a.run.Done() }

// Shutdown stops the node. With leave, it first tells the cluster it is leaving, so that
// its pods are placed elsewhere at once instead of after the dead-node grace period.
func (a *Agent) Shutdown(leave bool) error {
	a.once.Do(func() {
		a.member.leave.Store(leave)
		a.err = a.run.Stop()
	})
	return a.err
}
