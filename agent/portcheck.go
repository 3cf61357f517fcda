package agent

import (
	"context"
	"encoding/json"
	"errors"
	"maps"
	"net"
	"os"
	"slices"
	"strconv"
	"sync"
	"time"

	corev1 "k8s.io/api/core/v1"

	"github.com/podman-swarm/podman-swarm/reconcile"
)

// The node connects to the TCP ports its running pods publish, as a client on another node
// would, so that an endpoint whose server stopped listening leaves DNS and the ingress
// within about a second, without waiting for the pod's own probes (which it may not have).
//
// A connection is not proof enough: pasta, rootless podman's network, accepts on the node
// for every published port and closes at once when nothing listens in the pod (measured on
// the rig: EOF within 2 ms). So the check waits portCheckSettle after connecting: the port
// is open when the connection is still up, or the server spoke first.
const (
	portCheckInterval = time.Second
	portCheckTimeout  = 500 * time.Millisecond
	portCheckSettle   = 200 * time.Millisecond
)

// portChecks keeps the last check result of each pod this node runs, so that a status the
// reconciler reports carries it on. Its lock also orders the two writers of a status.
type portChecks struct {
	mu   sync.Mutex
	open map[string]bool
}

// portTargets lists, per running pod that node reports, the host:port addresses of the TCP
// ports it publishes: at their hostIP, else at the node's address. Pods without a TCP port
// are left out: they have nothing to check.
func portTargets(statuses map[string]PodStatus, node, nodeAddr string) map[string][]string {
	out := map[string][]string{}
	for key, s := range statuses {
		if s.Node != node || s.Phase != corePhase(reconcile.PhaseRunning) {
			continue
		}
		for _, p := range s.Ports {
			if p.Protocol != "" && p.Protocol != corev1.ProtocolTCP {
				continue
			}
			host := p.HostIP
			if ip := net.ParseIP(host); ip == nil || ip.IsUnspecified() {
				host = nodeAddr
			}
			out[key] = append(out[key], net.JoinHostPort(host, strconv.Itoa(int(p.HostPort))))
		}
	}
	return out
}

// dialAll checks every address at once and says, per pod, whether all its ports are open.
func dialAll(ctx context.Context, targets map[string][]string, timeout, settle time.Duration) map[string]bool {
	var mu sync.Mutex
	var wg sync.WaitGroup
	out := make(map[string]bool, len(targets))
	for key, addrs := range targets {
		out[key] = true
		for _, addr := range addrs {
			wg.Go(func() {
				if portOpen(ctx, addr, timeout, settle) {
					return
				}
				mu.Lock()
				out[key] = false
				mu.Unlock()
			})
		}
	}
	wg.Wait()
	return out
}

// portOpen connects to addr within timeout and tells whether the connection stays up for
// settle, or brings data: a server that listens either waits for its client or greets it.
func portOpen(ctx context.Context, addr string, timeout, settle time.Duration) bool {
	d := net.Dialer{Timeout: timeout}
	conn, err := d.DialContext(ctx, "tcp", addr)
	if err != nil {
		return false
	}
	defer conn.Close()
	if err := conn.SetReadDeadline(time.Now().Add(settle)); err != nil {
		return false
	}
	n, err := conn.Read(make([]byte, 1))
	return n > 0 || errors.Is(err, os.ErrDeadlineExceeded)
}

// portCheckLoop checks this node's pods every portCheckInterval until ctx ends.
func (a *Agent) portCheckLoop(ctx context.Context) {
	tick := time.NewTicker(portCheckInterval)
	defer tick.Stop()
	for {
		a.checkPortsOnce(ctx)
		select {
		case <-ctx.Done():
			return
		case <-tick.C:
		}
	}
}

// checkPortsOnce checks the ports of the pods this node reports running and writes each
// result that changed into the pod's status, from where it reaches every node.
func (a *Agent) checkPortsOnce(ctx context.Context) {
	statuses := map[string]PodStatus{}
	decodeValues(a.node, prefixStatus, statuses, a.log)
	targets := portTargets(statuses, a.cfg.NodeName, nodeAddress(a.cfg, a.node.Addr()))
	results := dialAll(ctx, targets, portCheckTimeout, portCheckSettle)
	if ctx.Err() != nil {
		return // a dial cut short by the shutdown says nothing about the pod
	}
	a.ports.mu.Lock()
	defer a.ports.mu.Unlock()
	a.ports.open = results // pods no longer checked start again from "not checked"
	for _, key := range slices.Sorted(maps.Keys(results)) {
		open := results[key]
		// Read again under the lock: the reconciler may have reported since.
		e, ok := a.node.Get(prefixStatus + key)
		var s PodStatus
		if !ok || json.Unmarshal(e.Value, &s) != nil || s.Node != a.cfg.NodeName {
			continue
		}
		if s.PortsOpen != nil && *s.PortsOpen == open {
			continue
		}
		if open {
			a.log.Info("the pod's published ports accept connections", "pod", key)
		} else {
			a.log.Warn("a published port of the pod refuses connections from its node: out of DNS and the ingress until it accepts again", "pod", key, "addresses", targets[key])
		}
		s.PortsOpen, s.Updated = &open, time.Now().UTC()
		if _, err := a.node.Put(prefixStatus+key, mustJSON(s)); err != nil {
			a.log.Warn("report the pod's port check", "pod", key, "err", err)
		}
	}
}
