package dns

import (
	"net"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	mdns "github.com/miekg/dns"
)

// upstream is a fake resolver of the test's own on loopback, UDP and TCP on one port.
type upstream struct {
	addr     string
	udp, tcp atomic.Int32 // queries received by network
}

// upstreamZone is what the fake upstreams answer.
var upstreamZone = map[string][]string{
	"example.com. A":       {"example.com. 60 IN A 192.0.2.1"},
	"www.example.com. A":   {"www.example.com. 60 IN A 192.0.2.2"},
	"alias.example.com. A": {"alias.example.com. 60 IN CNAME www.example.com.", "www.example.com. 60 IN A 192.0.2.2"},
	"leak.example.com. A":  {"leak.example.com. 60 IN CNAME tracker.example.net.", "tracker.example.net. 60 IN A 198.51.100.1"},
	"other.org. A":         {"other.org. 60 IN A 203.0.113.1"},
	"big.example.com. TXT": bigTXT(),
}

// bigTXT is an answer too large for 512 bytes.
func bigTXT() []string {
	var out []string
	for i := range 40 {
		out = append(out, "big.example.com. 60 IN TXT \""+strings.Repeat(string(rune('a'+i%26)), 30)+"\"")
	}
	return out
}

// startUpstream serves upstreamZone at ip (a 127.0.0.x address) until the test ends; rcode,
// when not success, is answered to everything instead.
func startUpstream(t *testing.T, ip string, rcode int) *upstream {
	t.Helper()
	u := &upstream{}
	h := mdns.HandlerFunc(func(w mdns.ResponseWriter, req *mdns.Msg) {
		size := mdns.MinMsgSize
		if w.RemoteAddr().Network() == "tcp" {
			u.tcp.Add(1)
			size = mdns.MaxMsgSize
		} else {
			u.udp.Add(1)
			if o := req.IsEdns0(); o != nil {
				size = int(o.UDPSize())
			}
		}
		m := new(mdns.Msg).SetReply(req)
		q := req.Question[0]
		rrs, ok := upstreamZone[strings.ToLower(q.Name)+" "+mdns.TypeToString[q.Qtype]]
		switch {
		case rcode != mdns.RcodeSuccess:
			m.Rcode = rcode
		case !ok:
			m.Rcode = mdns.RcodeNameError
		}
		for _, s := range rrs {
			rr, err := mdns.NewRR(s)
			if err != nil {
				panic(err)
			}
			m.Answer = append(m.Answer, rr)
		}
		m.Truncate(size)
		_ = w.WriteMsg(m)
	})
	pc, l := listenBoth(t, ip)
	u.addr = pc.LocalAddr().String()
	for _, srv := range []*mdns.Server{{PacketConn: pc, Handler: h}, {Listener: l, Handler: h}} {
		started := make(chan struct{})
		srv.NotifyStartedFunc = func() { close(started) }
		done := make(chan struct{})
		go func() { defer close(done); _ = srv.ActivateAndServe() }()
		<-started
		t.Cleanup(func() { _ = srv.Shutdown(); <-done })
	}
	return u
}

// listenBoth binds a port free on UDP and TCP at ip.
func listenBoth(t *testing.T, ip string) (net.PacketConn, net.Listener) {
	t.Helper()
	for try := 0; try < 20; try++ {
		pc, err := net.ListenPacket("udp", ip+":0")
		if err != nil {
			t.Fatal(err)
		}
		l, err := net.Listen("tcp", pc.LocalAddr().String())
		if err == nil {
			return pc, l
		}
		pc.Close()
	}
	t.Fatalf("no port free on both UDP and TCP at %s", ip)
	return nil, nil
}

// deadUpstream is an address where nothing answers: a UDP port that was closed (the kernel
// refuses at once) or, with silent, one that is bound and never read (a timeout).
func deadUpstream(t *testing.T, ip string, silent bool) string {
	t.Helper()
	pc, err := net.ListenPacket("udp", ip+":0")
	if err != nil {
		t.Fatal(err)
	}
	addr := pc.LocalAddr().String()
	if silent {
		t.Cleanup(func() { pc.Close() })
	} else {
		pc.Close()
	}
	return addr
}

// startServer serves h on 127.0.53.1 until the test ends.
func startServer(t *testing.T, h mdns.Handler) string {
	t.Helper()
	s, err := Listen("127.0.53.1:0", h)
	if err != nil {
		t.Fatal(err)
	}
	run(t, "dns", s)
	return s.Addr()
}

// ask sends one query over network ("udp" or "tcp") to addr.
func ask(t *testing.T, network, addr, name string, qtype uint16) *mdns.Msg {
	t.Helper()
	c := &mdns.Client{Net: network, Timeout: 5 * time.Second}
	m, _, err := c.Exchange(new(mdns.Msg).SetQuestion(name, qtype), addr)
	if err != nil {
		t.Fatalf("%s %s over %s: %v", name, mdns.TypeToString[qtype], network, err)
	}
	return m
}

func check(t *testing.T, m *mdns.Msg, rcode int, answer section) {
	t.Helper()
	if m.Rcode != rcode {
		t.Errorf("%s: rcode %s, want %s", m.Question[0].Name, mdns.RcodeToString[m.Rcode], mdns.RcodeToString[rcode])
	}
	checkSection(t, m.Question[0].Name+" answer", m.Answer, answer)
}
