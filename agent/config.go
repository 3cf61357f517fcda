package agent

import (
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/netip"
	"strconv"
	"strings"
	"time"
	"unicode"

	"k8s.io/apimachinery/pkg/util/validation"

	"github.com/podman-swarm/podman-swarm/api"
)

// Runtimes a node can run pods with.
const (
	RuntimeSystemd = "systemd" // Quadlet units driven over D-Bus
	RuntimeNone    = "none"    // gossip and schedule, run nothing: for scale and failure tests
)

// Config is one node's configuration, usually from `swarm agent` flags.
type Config struct {
	NodeName  string
	Bind      string   // gossip address, host:port
	Advertise string   // address other nodes reach this one at; "" = from Bind
	Join      []string // host:port of members to join
	JoinToken string
	APIListen string // the HTTP API, host:port
	StateDir  string
	Runtime   string
	Labels    map[string]string
	// NoAuth switches API authentication off: anyone who reaches the API can run anything
	// as this user. For tests and trusted single-user set-ups only.
	NoAuth bool
	// TLSCert and TLSKey make the API listen on HTTPS; TLSCA verifies the other agents' API
	// certificates when a request is passed on to them (the system's roots and TLSCert
	// itself are trusted as well).
	TLSCert, TLSKey, TLSCA string
	// UnitDir is the Quadlet folder the systemd runtime writes pods into; "" = DefaultUnitDir.
	UnitDir string
	// PodDNS is the DNS server the pods resolve names with: where this node's swarm dns
	// answers, on port 53. "" = the node's address; PodDNSNone = the node's own resolvers.
	PodDNS string
	// ClusterDomain is the domain of the cluster's names, as swarm dns --cluster-domain;
	// "" = DefaultClusterDomain.
	ClusterDomain string
	// PodNetwork is the Quadlet Network= of the pods; "" = podman's default. The agent's
	// flag defaults to DefaultPodNetwork.
	PodNetwork string

	// DeadGrace is how long a dead node keeps its pods before they are placed elsewhere.
	DeadGrace time.Duration
	// ProbeInterval tunes failure detection (see cluster.Config); zero takes its default.
	ProbeInterval time.Duration
	// PushPullInterval tunes anti-entropy (see cluster.Config); zero takes its default.
	PushPullInterval time.Duration

	// ForceNewCluster founds a new cluster with the store of a node that lost its keyring
	// (see cluster.Config); without it such a node refuses to start unless it joins.
	ForceNewCluster bool
	// Resync starts with an empty store and fetches the state from the other members,
	// setting the old store file aside (see cluster.Config): the remedy for a damaged one.
	Resync bool

	// Clock reads the wall time for the cluster node and the token checks; nil is
	// time.Now. Tests shift it to play a node with a wrong clock.
	Clock func() time.Time

	Logger *slog.Logger
}

// DefaultDeadGrace is the wait after memberlist declares a node dead. Memberlist's own
// suspicion phase (a few probe intervals, during which the node can refute) already
// absorbs short blips, so this only needs to cover a quick restart.
const DefaultDeadGrace = 2 * time.Second

// PodDNSNone as Config.PodDNS leaves the pods with the node's resolvers.
const PodDNSNone = "none"

// DefaultClusterDomain is the domain of the cluster's names, as in Kubernetes.
const DefaultClusterDomain = "cluster.local"

// DefaultPodNetwork gives every pod an address of its own in pasta's network. With podman's
// default pasta network a container takes its node's address, so it cannot reach its own
// node at that address: neither the ports other pods of the node publish there nor the
// node's swarm dns (shared/RIG.md, measured). With an address of its own it reaches its
// node's address like any other node's. 10.0.2.0/24 is only seen inside the pod.
const DefaultPodNetwork = "pasta:-a,10.0.2.100,-n,24,-g,10.0.2.2"

func (c Config) withDefaults() Config {
	if c.ClusterDomain == "" {
		c.ClusterDomain = DefaultClusterDomain
	}
	if c.DeadGrace <= 0 {
		c.DeadGrace = DefaultDeadGrace
	}
	if c.Runtime == "" {
		c.Runtime = RuntimeSystemd
	}
	if c.UnitDir == "" {
		c.UnitDir = DefaultUnitDir()
	}
	if c.Logger == nil {
		c.Logger = slog.New(slog.DiscardHandler)
	}
	if c.Clock == nil {
		c.Clock = time.Now
	}
	return c
}

func (c Config) validate() error {
	var errs []error
	if c.NodeName == "" {
		errs = append(errs, errors.New("--node-name is empty"))
	}
	if c.StateDir == "" {
		errs = append(errs, errors.New("--state-dir is empty"))
	}
	if _, _, err := splitHostPort(c.Bind); err != nil {
		errs = append(errs, fmt.Errorf("--bind %q: %w", c.Bind, err))
	}
	if _, _, err := net.SplitHostPort(c.APIListen); err != nil {
		errs = append(errs, fmt.Errorf("--api-listen %q: %w", c.APIListen, err))
	}
	if c.ForceNewCluster && len(c.Join) > 0 {
		errs = append(errs, errors.New("--force-new-cluster founds a new cluster and --join joins an existing one: give only one of them"))
	}
	if c.ForceNewCluster && c.Resync {
		errs = append(errs, errors.New("--force-new-cluster founds a new cluster and --resync fetches the state of an existing one: give only one of them"))
	}
	if (c.TLSCert == "") != (c.TLSKey == "") {
		errs = append(errs, errors.New("--tls-cert and --tls-key go together: give both or neither"))
	}
	for k, v := range c.Labels {
		for _, msg := range validation.IsQualifiedName(k) {
			errs = append(errs, fmt.Errorf("--label %s=%s: the key %s", k, v, msg))
		}
		for _, msg := range validation.IsValidLabelValue(v) {
			errs = append(errs, fmt.Errorf("--label %s=%s: the value %s", k, v, msg))
		}
	}
	if c.PodDNS != "" && c.PodDNS != PodDNSNone {
		if _, err := netip.ParseAddr(c.PodDNS); err != nil {
			errs = append(errs, fmt.Errorf("--pod-dns %q: want the IP address this node's swarm dns answers at on port 53, or %s", c.PodDNS, PodDNSNone))
		}
	}
	for _, msg := range validation.IsDNS1123Subdomain(c.ClusterDomain) {
		errs = append(errs, fmt.Errorf("--cluster-domain %q: %s", c.ClusterDomain, msg))
	}
	if strings.ContainsFunc(c.PodNetwork, unicode.IsSpace) {
		errs = append(errs, fmt.Errorf("--pod-network %q: want one podman --network value without spaces, e.g. %s", c.PodNetwork, DefaultPodNetwork))
	}
	switch c.Runtime {
	case RuntimeNone, RuntimeSystemd:
	default:
		errs = append(errs, fmt.Errorf("--runtime %q: must be systemd or none", c.Runtime))
	}
	return errors.Join(errs...)
}

func splitHostPort(hostport string) (string, int, error) {
	host, p, err := net.SplitHostPort(hostport)
	if err != nil {
		return "", 0, err
	}
	port, err := strconv.Atoi(p)
	if err != nil || port < 0 || port > 65535 {
		return "", 0, fmt.Errorf("port %q is not a number from 0 to 65535", p)
	}
	return host, port, nil
}

// apiTLS loads the API's certificate: the server's TLS configuration (nil without
// --tls-cert) and the client configuration that passes requests on to other agents.
func apiTLS(cfg Config) (server, forward *tls.Config, err error) {
	forward = &tls.Config{MinVersion: tls.VersionTLS12}
	if cfg.TLSCA != "" {
		if forward.RootCAs, err = api.LoadCertPool(cfg.TLSCA); err != nil {
			return nil, nil, fmt.Errorf("--tls-ca: %w", err)
		}
	}
	if cfg.TLSCert == "" {
		return nil, forward, nil
	}
	cert, err := tls.LoadX509KeyPair(cfg.TLSCert, cfg.TLSKey)
	if err != nil {
		return nil, nil, fmt.Errorf("--tls-cert/--tls-key: %w", err)
	}
	// A cluster that shares one self-signed certificate trusts it without a CA file.
	if forward.RootCAs == nil {
		if forward.RootCAs, err = x509.SystemCertPool(); err != nil {
			forward.RootCAs = x509.NewCertPool()
		}
	}
	if leaf, err := x509.ParseCertificate(cert.Certificate[0]); err == nil {
		forward.RootCAs.AddCert(leaf)
	}
	return &tls.Config{Certificates: []tls.Certificate{cert}, MinVersion: tls.VersionTLS12}, forward, nil
}
