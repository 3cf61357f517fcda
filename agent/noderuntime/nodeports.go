package noderuntime

import (
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"maps"
	"net"
	"net/netip"
	"os"
	"slices"
	"strconv"
	"strings"
	"sync"

	corev1 "k8s.io/api/core/v1"

	"github.com/podman-swarm/podman-swarm/internal/atomicfile"
	"github.com/podman-swarm/podman-swarm/manifest"
	"github.com/podman-swarm/podman-swarm/netalloc"
	"github.com/podman-swarm/podman-swarm/quadlet"
)

// NodePortsFile is the file in the state folder where a node keeps the node ports it picked
// for its pods, so that a restarted agent renders the same units and restarts no pod.
const NodePortsFile = "nodeports.json"

// NodePortsConfig is what the node-port table of a node needs.
type NodePortsConfig struct {
	// File keeps the table across restarts (NodePortsFile in the state folder).
	File string
	// Range is where node ports are picked (the agent's --node-port-range).
	Range netalloc.PortRange
	// Address is the node address the ports are published on, where a port is checked
	// free before it is picked; "" checks every address.
	Address string
	// PodCIDR gives the cluster's pod network: its prefix length and its first address
	// (the pods' gateway) go into every pod's network.
	PodCIDR func() netip.Prefix
	// OnStart is the command a pod (by its podman pod name) runs before its containers
	// start; nil: none.
	OnStart func(podName string) []string
}

// NodePorts is the table of this node's pods with an address of their own: their pod IP and
// the node port each container port is published on. The loop updates it before it hands
// the pods to the runtime, which asks it for each pod's network when rendering.
type NodePorts struct {
	cfg NodePortsConfig
	log *slog.Logger

	mu    sync.Mutex
	table map[string]nodePortsEntry // pod key
}

// nodePortsEntry is one pod in the table, as the file keeps it.
type nodePortsEntry struct {
	PodIP string           `json:"podIP"`
	Ports map[string]int32 `json:"ports"` // "8080/TCP" -> node port
}

// OpenNodePorts reads the table the node kept, or starts an empty one.
func OpenNodePorts(cfg NodePortsConfig, log *slog.Logger) (*NodePorts, error) {
	n := &NodePorts{cfg: cfg, log: log.With("component", "nodeports"), table: map[string]nodePortsEntry{}}
	data, err := os.ReadFile(cfg.File)
	switch {
	case errors.Is(err, fs.ErrNotExist):
	case err != nil:
		return nil, fmt.Errorf("read the node ports of this node's pods: %w", err)
	default:
		if err := json.Unmarshal(data, &n.table); err != nil {
			return nil, fmt.Errorf("read the node ports of this node's pods from %s: %w (move the file away to pick new ports; the pods restart on new ones)", cfg.File, err)
		}
	}
	return n, nil
}

// Update picks node ports for the pods this node runs (ips: the pod IP of each that has
// one; a pod that left its assignment keeps the IP it had while it drains) and forgets the
// others. Pods without a pod IP publish on their container ports, which stay reserved.
func (n *NodePorts) Update(pods []manifest.Pod, ips map[string]string) {
	n.mu.Lock()
	defer n.mu.Unlock()
	want := map[string][]quadlet.PortKey{}
	have := map[string]podPorts{}
	podIP := map[string]string{}
	reserved := map[int32]bool{}
	for _, p := range pods {
		key := p.Key()
		ip := ips[key]
		if ip == "" {
			ip = n.table[key].PodIP
		}
		if ip == "" {
			for _, pp := range manifest.PublishedPorts(&p.Spec) {
				reserved[pp.HostPort] = true
			}
			// Its probe ports are published on themselves too.
			for _, k := range quadlet.ProbePorts(&p.Spec) {
				reserved[k.Port] = true
			}
			continue
		}
		for _, pp := range manifest.PublishedPorts(&p.Spec) {
			if pp.Explicit {
				reserved[pp.HostPort] = true
			}
		}
		podIP[key] = ip
		want[key] = wantedPorts(p)
		have[key] = decodePorts(n.table[key].Ports)
	}
	picked, problems := pickPorts(n.cfg.Range, want, have, reserved, n.isFree)
	for key, err := range problems {
		n.log.Error("pod cannot be published", "pod", key, "err", err)
	}
	table := make(map[string]nodePortsEntry, len(picked))
	for key, ports := range picked {
		table[key] = nodePortsEntry{PodIP: podIP[key], Ports: encodePorts(ports)}
	}
	if maps.EqualFunc(table, n.table, func(a, b nodePortsEntry) bool { return a.PodIP == b.PodIP && maps.Equal(a.Ports, b.Ports) }) {
		return
	}
	n.table = table
	if err := n.save(); err != nil {
		// The pods still run on the ports picked; a restart before the next save may pick
		// others, and restart those pods.
		n.log.Error("cannot keep the node ports of this node's pods", "file", n.cfg.File, "err", err)
	}
}

// Network is the network of a pod in the table, nil for a pod without an address of its
// own.
func (n *NodePorts) Network(p manifest.Pod) *quadlet.PodNetwork {
	n.mu.Lock()
	e, ok := n.table[p.Key()]
	n.mu.Unlock()
	if !ok {
		return nil
	}
	ip, err := netip.ParseAddr(e.PodIP)
	cidr := n.cfg.PodCIDR()
	if err != nil || !cidr.Contains(ip) {
		n.log.Error("pod has no usable address: its pod IP is not in the pod CIDR", "pod", p.Key(), "podIP", e.PodIP, "podCIDR", cidr)
		return nil
	}
	out := &quadlet.PodNetwork{
		Address:   netip.PrefixFrom(ip, cidr.Bits()),
		Gateway:   cidr.Masked().Addr().Next(),
		NodePorts: decodePorts(e.Ports),
	}
	if n.cfg.OnStart != nil {
		out.OnStart = n.cfg.OnStart(quadlet.PodName(p.Namespace, p.Name))
	}
	return out
}

// Keys lists the pods in the table: this node's pods with an address of their own.
func (n *NodePorts) Keys() []string {
	n.mu.Lock()
	defer n.mu.Unlock()
	return slices.Sorted(maps.Keys(n.table))
}

func (n *NodePorts) save() error {
	data, err := json.MarshalIndent(n.table, "", "  ")
	if err != nil {
		return err
	}
	return atomicfile.Write(n.cfg.File, data, 0o600)
}

// isFree tells whether the node can bind a port now: nothing else on the node (another
// program, a pod placed before node ports were picked) holds it.
func (n *NodePorts) isFree(port int32, k quadlet.PortKey) bool {
	addr := net.JoinHostPort(n.cfg.Address, strconv.Itoa(int(port)))
	switch k.Protocol {
	case corev1.ProtocolUDP:
		c, err := net.ListenPacket("udp", addr)
		if err != nil {
			return false
		}
		c.Close()
	default:
		l, err := net.Listen("tcp", addr)
		if err != nil {
			return false
		}
		l.Close()
	}
	return true
}

func encodePorts(p podPorts) map[string]int32 {
	out := make(map[string]int32, len(p))
	for k, port := range p {
		out[k.String()] = port
	}
	return out
}

func decodePorts(m map[string]int32) podPorts {
	out := make(podPorts, len(m))
	for s, port := range m {
		num, proto, ok := strings.Cut(s, "/")
		n, err := strconv.ParseInt(num, 10, 32)
		if !ok || err != nil {
			continue
		}
		out[quadlet.PortKey{Port: int32(n), Protocol: corev1.Protocol(proto)}] = port
	}
	return out
}
