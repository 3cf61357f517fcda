package noderuntime

import (
	"context"
	"errors"
	"net"
	"os"
	"strconv"
	"sync"
	"time"

	corev1 "k8s.io/api/core/v1"

	"github.com/podman-swarm/podman-swarm/agent/store"
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

// portTargets lists, per running pod that node reports, the host:port addresses of the TCP
// ports it publishes: at their hostIP, else at the node's address. Pods without a TCP port
// are left out: they have nothing to check.
func portTargets(statuses map[string]store.PodStatus, node, nodeAddr string) map[string][]string {
	out := map[string][]string{}
	for key, s := range statuses {
		if s.Node != node || s.Phase != store.CorePhase(reconcile.PhaseRunning) {
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

// Statuses is where the port check finds the pods to check and leaves its results: the
// status writer.
type Statuses interface {
	Records() map[string]store.PodStatus
	PortsChecked(open map[string]bool, addresses map[string][]string)
}

// PortCheck checks the published ports of this node's running pods every
// portCheckInterval.
type PortCheck struct {
	statuses Statuses
	node     string
	nodeAddr string
}

// NewPortCheck checks the pods of node, whose address is nodeAddr.
func NewPortCheck(statuses Statuses, node, nodeAddr string) *PortCheck {
	return &PortCheck{statuses: statuses, node: node, nodeAddr: nodeAddr}
}

// Start checks until ctx ends.
func (a *PortCheck) Start(ctx context.Context) error {
	tick := time.NewTicker(portCheckInterval)
	defer tick.Stop()
	for {
		a.checkPortsOnce(ctx)
		select {
		case <-ctx.Done():
			return nil
		case <-tick.C:
		}
	}
}

// checkPortsOnce checks the ports of the pods this node reports running and hands the
// results to the status writer.
func (a *PortCheck) checkPortsOnce(ctx context.Context) {
	targets := portTargets(a.statuses.Records(), a.node, a.nodeAddr)
	results := dialAll(ctx, targets, portCheckTimeout, portCheckSettle)
	if ctx.Err() != nil {
		return // a dial cut short by the shutdown says nothing about the pod
	}
	a.statuses.PortsChecked(results, targets)
}
