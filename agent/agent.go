// Package agent wires one node together: its membership in the cluster and its replica of
// the store, the scheduler that runs while the node leads, and the HTTP API.
package agent

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"log/slog"
	"math/rand/v2"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/podman-swarm/podman-swarm/cluster"
	"github.com/podman-swarm/podman-swarm/scheduler"
)

// Agent is one running node.
type Agent struct {
	cfg  Config
	log  *slog.Logger
	node *cluster.Node
	api  *http.Server
	ln   net.Listener
	// forwarder passes requests on to other agents, verifying their API certificates.
	forwarder *http.Transport

	traffic Traffic
	ports   portChecks
	runtime podRuntime // nil with --runtime none
	cancel  context.CancelFunc

	stop chan struct{}
	wg   sync.WaitGroup
	once sync.Once
}

// JoinTokenFile is where a node keeps the current join token, readable by its owner only.
const JoinTokenFile = "join-token"

// Start runs a node until Shutdown: it joins or founds the cluster, serves the API and
// schedules while it leads.
func Start(ctx context.Context, cfg Config) (*Agent, error) {
	cfg = cfg.withDefaults()
	if err := cfg.validate(); err != nil {
		return nil, fmt.Errorf("invalid agent configuration: %w", err)
	}
	log := cfg.Logger.With("component", "agent", "node", cfg.NodeName)
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
		ccfg.Meta[metaAPIScheme] = "https"
		ln = tls.NewListener(ln, tlsServer)
	}
	a := &Agent{cfg: cfg, log: log, ln: ln, stop: make(chan struct{})}
	a.forwarder = http.DefaultTransport.(*http.Transport).Clone()
	a.forwarder.TLSClientConfig = forwardTLS
	ccfg.WrapTransport = a.traffic.wrap
	a.node, err = cluster.Start(ctx, ccfg)
	if err != nil {
		ln.Close()
		return nil, err
	}
	node := a.node
	if api := ccfg.Meta[metaAPI]; strings.HasPrefix(api, "[::]:") || strings.HasPrefix(api, "0.0.0.0:") {
		// The API listens on every address, and gossip chose the one others reach this node
		// at: advertise the API there, so that other agents can pass requests on to it.
		_, port, _ := net.SplitHostPort(api)
		host, _, _ := net.SplitHostPort(node.Addr())
		ccfg.Meta[metaAPI] = net.JoinHostPort(host, port)
		if err := node.SetMeta(ccfg.Meta); err != nil {
			log.Warn("advertise the API address", "err", err)
		}
	}
	founding := len(cfg.Join) == 0 && len(node.Members()) == 1
	err = a.writeJoinToken()
	if err == nil && !cfg.NoAuth {
		err = a.ensureNodeToken(founding && len(a.tokenRecords()) == 0)
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
		log.Info("node is up; to add a node, run on it: swarm agent --join "+node.Addr()+" --join-token "+node.JoinToken(),
			"gossip", node.Addr(), "api", ln.Addr().String(), "token_file", filepath.Join(cfg.StateDir, JoinTokenFile))
	} else {
		log.Info("node is up", "gossip", node.Addr(), "api", ln.Addr().String(), "members", len(node.Members()))
	}
	runCtx, cancel := context.WithCancel(context.Background())
	a.cancel = cancel
	if cfg.Runtime == RuntimeSystemd {
		if a.runtime, err = a.startSystemdRuntime(ctx); err != nil {
			cancel()
			node.Shutdown()
			ln.Close()
			return nil, fmt.Errorf("start the systemd runtime: %w", err)
		}
		// The reconciler's first pass must see the pods this node runs (the store is read
		// back from disk by now): with an empty desired list it would stop them all.
		a.runtime.SetDesired(a.podsOfThisNode(readState(node, log)))
		a.wg.Add(2)
		go func() {
			defer a.wg.Done()
			if err := a.runtime.Run(runCtx); err != nil && runCtx.Err() == nil {
				log.Error("the reconciler stopped", "err", err)
			}
		}()
		go func() {
			defer a.wg.Done()
			a.runtimeLoop(runCtx)
		}()
	}
	a.api = &http.Server{Handler: a.routes(), ReadHeaderTimeout: 10 * time.Second}
	a.wg.Add(2)
	go func() {
		defer a.wg.Done()
		if err := a.api.Serve(ln); err != nil && !errors.Is(err, http.ErrServerClosed) {
			log.Error("API server stopped", "err", err)
		}
	}()
	go func() {
		defer a.wg.Done()
		a.scheduleLoop()
	}()
	// Also without a runtime: a status written by hand (the tests) is checked alike.
	a.wg.Go(func() { a.portCheckLoop(runCtx) })
	return a, nil
}

// advertisedAPI is the API address other agents are told: the listener's, with the address
// gossip advertises in place of an unspecified one when that is already known.
func advertisedAPI(listen string, cfg Config) string {
	host, port, err := net.SplitHostPort(listen)
	if err != nil || !net.ParseIP(host).IsUnspecified() {
		return listen
	}
	if addr := nodeAddress(cfg, ""); addr != "" {
		return net.JoinHostPort(addr, port)
	}
	return listen
}

// clusterConfig maps the agent's configuration onto the cluster layer's.
func clusterConfig(cfg Config, apiAddr string) (cluster.Config, error) {
	host, port, err := splitHostPort(cfg.Bind)
	if err != nil {
		return cluster.Config{}, fmt.Errorf("--bind %q: %w", cfg.Bind, err)
	}
	meta := map[string]string{metaAPI: apiAddr, metaRuntime: cfg.Runtime}
	for k, v := range cfg.Labels {
		meta[metaLabelPrefix+k] = v
	}
	cc := cluster.Config{
		NodeName:         cfg.NodeName,
		BindAddr:         host,
		BindPort:         port,
		Join:             cfg.Join,
		JoinToken:        cfg.JoinToken,
		StateDir:         cfg.StateDir,
		Meta:             meta,
		ProbeInterval:    cfg.ProbeInterval,
		PushPullInterval: cfg.PushPullInterval,
		ForceNewCluster:  cfg.ForceNewCluster,
		Resync:           cfg.Resync,
		Clock:            cfg.Clock,
		Logger:           cfg.Logger,
	}
	if cfg.Advertise != "" {
		ah, ap, err := net.SplitHostPort(cfg.Advertise)
		if err != nil {
			ah, ap = cfg.Advertise, strconv.Itoa(port)
		}
		cc.AdvertiseAddr = ah
		cc.AdvertisePort, _ = strconv.Atoi(ap)
	}
	return cc, nil
}

// writeJoinToken keeps <state-dir>/join-token equal to the cluster's current token, which
// changes when any node rotates it.
func (a *Agent) writeJoinToken() error {
	path := filepath.Join(a.cfg.StateDir, JoinTokenFile)
	want := a.node.JoinToken() + "\n"
	if have, err := os.ReadFile(path); err == nil && string(have) == want {
		return nil
	}
	if err := os.WriteFile(path, []byte(want), 0o600); err != nil {
		return fmt.Errorf("write join token: %w", err)
	}
	return os.Chmod(path, 0o600)
}

// APIAddr is the address the API listens on.
func (a *Agent) APIAddr() string { return a.ln.Addr().String() }

// Node gives access to the node's cluster membership and store.
func (a *Agent) Node() *cluster.Node { return a.node }

// Shutdown stops the node. With leave, it first tells the cluster it is leaving, so that
// its pods are placed elsewhere at once instead of after the dead-node grace period.
func (a *Agent) Shutdown(leave bool) error {
	var err error
	a.once.Do(func() {
		close(a.stop)
		a.cancel()
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		err = a.api.Shutdown(ctx)
		if leave {
			if lerr := a.node.Leave(5 * time.Second); lerr != nil {
				a.log.Warn("leaving the cluster", "err", lerr)
			}
		}
		err = errors.Join(err, a.node.Shutdown())
		a.wg.Wait()
	})
	return err
}

// scheduleLoop runs the scheduler whenever the desired state, the pods' status or the
// membership changes, and on a timer. Only the leader's plans are written; every node runs
// the loop so that a new leader takes over without a hand-off.
func (a *Agent) scheduleLoop() {
	keys, stopKeys := a.node.WatchKeys("")
	defer stopKeys()
	events, stopEvents := a.node.WatchMembers()
	defer stopEvents()
	timer := time.NewTimer(0)
	defer timer.Stop()
	for {
		select {
		case <-a.stop:
			return
		case <-keys:
		case <-events:
		case <-timer.C:
		}
		// Let a burst of changes (an apply of many objects) settle into one plan.
		settle := time.After(20 * time.Millisecond)
	drain:
		for {
			select {
			case <-keys:
			case <-events:
			case <-settle:
				break drain
			case <-a.stop:
				return
			}
		}
		if err := a.writeJoinToken(); err != nil {
			a.log.Warn("keeping the join token file current", "err", err)
		}
		next := a.scheduleOnce()
		if !timer.Stop() {
			select {
			case <-timer.C:
			default:
			}
		}
		timer.Reset(next)
	}
}

// resync bounds how long the scheduler waits when nothing happens.
const resync = 5 * time.Second

// scheduleOnce plans once if this node leads, writes the plan, and says when to look again.
func (a *Agent) scheduleOnce() time.Duration {
	if !a.node.IsLeader() {
		return resync
	}
	st := readState(a.node, a.log)
	now := a.cfg.Clock() // the clock the members' Since is read on
	in := schedulingInput(st, a.node.Members(), now, a.cfg.DeadGrace, rand.Uint64())
	out := scheduler.Plan(in)
	for _, c := range planChanges(st, out) {
		var err error
		if c.delete {
			_, err = a.node.Delete(c.key)
			a.log.Debug("unassign", "key", c.key)
		} else {
			_, err = a.node.Put(c.key, c.value)
		}
		if err != nil {
			a.log.Warn("write schedule", "key", c.key, "err", err)
		}
	}
	for _, c := range out.Create {
		a.log.Info("pod assigned", "pod", c.Pod.Key(), "to", c.Node)
	}
	for _, d := range out.Delete {
		a.log.Info("pod removed", "pod", d.Pod.Key(), "from", d.Node, "reason", d.Reason)
	}
	next := resync
	if !out.RecheckAt.IsZero() {
		if d := out.RecheckAt.Sub(now); d < next {
			next = max(d, 10*time.Millisecond)
		}
	}
	return next
}
