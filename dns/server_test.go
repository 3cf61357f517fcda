package dns

import (
	"errors"
	"net"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"syscall"
	"testing"
	"time"

	mdns "github.com/miekg/dns"

	"github.com/podman-swarm/podman-swarm/internal/fielderr"
)

func TestUpstreamAddrs(t *testing.T) {
	got, err := upstreamAddrs(Config{Upstreams: []string{"1.1.1.1", "9.9.9.9:5353", "2606:4700::1111", "[2001:db8::1]:53"}}, nil)
	want := []string{"1.1.1.1:53", "9.9.9.9:5353", "[2606:4700::1111]:53", "[2001:db8::1]:53"}
	if err != nil || !reflect.DeepEqual(got, want) {
		t.Errorf("got %v, %v; want %v", got, err, want)
	}
	for _, bad := range []string{"dns.google", "1.1.1.1:", "one.one:53"} {
		if _, err := upstreamAddrs(Config{Upstreams: []string{bad}}, nil); err == nil {
			t.Errorf("upstream %q was taken", bad)
		}
	}
}

// TestServer runs the whole server as swarm dns does, beside its follower: the agent, an
// upstream and a whitelist, on loopback.
func TestServer(t *testing.T) {
	agent := startAgent(t, fixture())
	agent.token = "swarmapi-test"
	agent.setWhitelist(WhitelistSpec{Enabled: true, Hosts: []string{"example.com"}})
	up := startUpstream(t, "127.0.53.2", mdns.RcodeSuccess)
	dir := t.TempDir()
	// A free port for UDP and TCP at once, on an address of this test's own.
	pc, err := net.ListenPacket("udp", "127.0.53.4:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := pc.LocalAddr().String()
	pc.Close()

	srv, err := New(Config{
		Listen: addr, Agent: agent.URL, AgentToken: "swarmapi-test", ClusterDomain: "cluster.local",
		Upstreams: []string{up.addr}, UpstreamTimeout: time.Second,
		StateFile: filepath.Join(dir, "state.json"), TTL: 5 * time.Second,
		PollInterval: 20 * time.Millisecond,
	})
	if err != nil {
		t.Fatal(err)
	}
	run(t, "dns", srv)
	run(t, "follower", srv.Follower())
	c := &mdns.Client{Net: "udp", Timeout: 200 * time.Millisecond}
	for deadline := time.Now().Add(10 * time.Second); ; time.Sleep(20 * time.Millisecond) {
		m, _, err := c.Exchange(new(mdns.Msg).SetQuestion("web.shop.svc.cluster.local.", mdns.TypeA), addr)
		if err == nil && len(m.Answer) == 2 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("no answer from the server: %v", err)
		}
	}
	for _, network := range []string{"udp", "tcp"} {
		check(t, ask(t, network, addr, "web.shop.svc.cluster.local.", mdns.TypeA), mdns.RcodeSuccess, webA)
		check(t, ask(t, network, addr, "example.com.", mdns.TypeA), mdns.RcodeSuccess, section{"example.com. 60 IN A 192.0.2.1"})
		check(t, ask(t, network, addr, "other.org.", mdns.TypeA), mdns.RcodeRefused, nil)
	}
	// The whitelist switched off at the agent: names are forwarded again within a poll.
	agent.setWhitelist(WhitelistSpec{})
	for deadline := time.Now().Add(10 * time.Second); ; time.Sleep(20 * time.Millisecond) {
		m, _, err := c.Exchange(new(mdns.Msg).SetQuestion("other.org.", mdns.TypeA), addr)
		if err == nil && m.Rcode == mdns.RcodeSuccess {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("the server still refuses other.org. after the whitelist was disabled")
		}
	}
}

// TestServerPortTaken: a port held by another server (as systemd-resolved holds 53) stops New
// with the way out in the message, naming the field to set (swarm dns names its flag).
func TestServerPortTaken(t *testing.T) {
	pc, err := net.ListenPacket("udp", "127.0.53.5:0")
	if err != nil {
		t.Fatal(err)
	}
	defer pc.Close()
	_, err = New(Config{
		Listen: pc.LocalAddr().String(), Agent: "http://127.0.53.5:1", ClusterDomain: "cluster.local",
		Upstreams: []string{"127.0.53.5:53"}, TTL: 5 * time.Second, PollInterval: time.Second,
	})
	var fe *fielderr.Error
	if !errors.As(err, &fe) || !slices.Equal(fe.Fields, []string{"Listen"}) || !strings.Contains(err.Error(), "Listen <address>:53") ||
		!errors.Is(err, syscall.EADDRINUSE) {
		t.Errorf("New on a taken port: %v", err)
	}
}
