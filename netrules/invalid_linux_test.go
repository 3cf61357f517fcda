package netrules

import (
	"encoding/binary"
	"errors"
	"io"
	"net"
	"net/netip"
	"os/exec"
	"regexp"
	"strconv"
	"syscall"
	"testing"
	"time"

	"github.com/podman-swarm/podman-swarm/internal/privnet"
)

// The test below makes the packet kube-proxy's users met as "connection reset by peer" on
// big downloads through a Service: a reply that the client's conntrack finds outside the
// window it tracks. Conntrack marks it invalid and leaves it untranslated, so it reaches
// the client from the endpoint's address instead of the ClusterIP. It is written by hand
// on a raw socket, with the sequence numbers a capture on lo has just seen.

// segment is what a capture saw of one TCP segment.
type segment struct {
	src, dst netip.AddrPort
	seq, ack uint32
	flags    byte
	payload  int
}

const (
	tcpRST = 0x04
	tcpPSH = 0x08
	tcpACK = 0x10
)

// capture reads the IPv4 TCP segments that cross lo.
type capture struct{ fd int }

func startCapture(t *testing.T) *capture {
	t.Helper()
	proto := int(htons(syscall.ETH_P_IP))
	fd, err := syscall.Socket(syscall.AF_PACKET, syscall.SOCK_DGRAM, proto)
	if err != nil {
		t.Fatalf("open a packet socket: %v", err)
	}
	t.Cleanup(func() { syscall.Close(fd) })
	lo, err := net.InterfaceByName("lo")
	if err != nil {
		t.Fatal(err)
	}
	if err := syscall.Bind(fd, &syscall.SockaddrLinklayer{Protocol: uint16(proto), Ifindex: lo.Index}); err != nil {
		t.Fatalf("bind the packet socket to lo: %v", err)
	}
	tv := syscall.NsecToTimeval(int64(100 * time.Millisecond))
	if err := syscall.SetsockoptTimeval(fd, syscall.SOL_SOCKET, syscall.SO_RCVTIMEO, &tv); err != nil {
		t.Fatal(err)
	}
	return &capture{fd: fd}
}

// last drains what was captured and answers the last segment that matches.
func (c *capture) last(match func(segment) bool) (segment, bool) {
	var found segment
	ok := false
	buf := make([]byte, 65536)
	for {
		n, _, err := syscall.Recvfrom(c.fd, buf, 0)
		if err != nil {
			return found, ok
		}
		if s, valid := parseSegment(buf[:n]); valid && match(s) {
			found, ok = s, true
		}
	}
}

func parseSegment(p []byte) (segment, bool) {
	if len(p) < 20 || p[0]>>4 != 4 || p[9] != syscall.IPPROTO_TCP {
		return segment{}, false
	}
	ihl := int(p[0]&0x0f) * 4
	total := int(binary.BigEndian.Uint16(p[2:4]))
	if total > len(p) || total < ihl+20 {
		return segment{}, false
	}
	tcp := p[ihl:total]
	doff := int(tcp[12]>>4) * 4
	src, _ := netip.AddrFromSlice(p[12:16])
	dst, _ := netip.AddrFromSlice(p[16:20])
	return segment{
		src:     netip.AddrPortFrom(src, binary.BigEndian.Uint16(tcp[0:2])),
		dst:     netip.AddrPortFrom(dst, binary.BigEndian.Uint16(tcp[2:4])),
		seq:     binary.BigEndian.Uint32(tcp[4:8]),
		ack:     binary.BigEndian.Uint32(tcp[8:12]),
		flags:   tcp[13],
		payload: len(tcp) - doff,
	}, true
}

func htons(v uint16) uint16 { return v<<8 | v>>8 }

// inject sends one TCP segment with the given addresses, numbers, flags and payload from
// a raw socket: the kernel fills in the IP header's checksum and identification.
func inject(t *testing.T, s segment, data []byte) {
	t.Helper()
	fd, err := syscall.Socket(syscall.AF_INET, syscall.SOCK_RAW, syscall.IPPROTO_RAW)
	if err != nil {
		t.Fatalf("open a raw socket: %v", err)
	}
	defer syscall.Close(fd)
	pkt := make([]byte, 40+len(data))
	pkt[0] = 0x45
	binary.BigEndian.PutUint16(pkt[2:4], uint16(len(pkt)))
	pkt[8] = 64
	pkt[9] = syscall.IPPROTO_TCP
	src, dst := s.src.Addr().As4(), s.dst.Addr().As4()
	copy(pkt[12:16], src[:])
	copy(pkt[16:20], dst[:])
	tcp := pkt[20:]
	binary.BigEndian.PutUint16(tcp[0:2], s.src.Port())
	binary.BigEndian.PutUint16(tcp[2:4], s.dst.Port())
	binary.BigEndian.PutUint32(tcp[4:8], s.seq)
	binary.BigEndian.PutUint32(tcp[8:12], s.ack)
	tcp[12] = 5 << 4
	tcp[13] = s.flags
	binary.BigEndian.PutUint16(tcp[14:16], 512)
	copy(tcp[20:], data)
	binary.BigEndian.PutUint16(tcp[16:18], tcpChecksum(src, dst, tcp))
	if err := syscall.Sendto(fd, pkt, 0, &syscall.SockaddrInet4{Addr: dst}); err != nil {
		t.Fatalf("send the segment: %v", err)
	}
}

func tcpChecksum(src, dst [4]byte, tcp []byte) uint16 {
	var sum uint32
	add := func(b []byte) {
		for i := 0; i+1 < len(b); i += 2 {
			sum += uint32(binary.BigEndian.Uint16(b[i:]))
		}
		if len(b)%2 == 1 {
			sum += uint32(b[len(b)-1]) << 8
		}
	}
	add(src[:])
	add(dst[:])
	sum += syscall.IPPROTO_TCP + uint32(len(tcp))
	add(tcp)
	for sum > 0xffff {
		sum = sum>>16 + sum&0xffff
	}
	return ^uint16(sum)
}

// heldConn is a connection the client opened to a server that answers "hello" and then
// keeps it open; the server's side reports what ended it.
type heldConn struct {
	client net.Conn
	server chan net.Conn
}

func openHeld(t *testing.T, ln net.Listener, addr string) heldConn {
	t.Helper()
	h := heldConn{server: make(chan net.Conn, 1)}
	go func() {
		c, err := ln.Accept()
		if err != nil {
			close(h.server)
			return
		}
		c.Write([]byte("hello"))
		h.server <- c
	}()
	c, err := net.DialTimeout("tcp", addr, 5*time.Second)
	if err != nil {
		t.Fatalf("dial %s: %v", addr, err)
	}
	t.Cleanup(func() { c.Close() })
	c.SetDeadline(time.Now().Add(5 * time.Second))
	buf := make([]byte, 5)
	if _, err := io.ReadFull(c, buf); err != nil || string(buf) != "hello" {
		t.Fatalf("read the server's hello through %s: %q %v", addr, buf, err)
	}
	h.client = c
	return h
}

// outOfWindow sends the client, from the endpoint's address, a segment whose sequence
// number lies far beyond the window the client offered, with the client's own next
// sequence number as its acknowledgement, as the last segment the server sent had. The
// server runs in the client's namespace here, so its segments cross lo already translated
// back (from the ClusterIP); the injected one is not, as conntrack leaves it alone, like a
// reply that reaches a pod from outside.
func outOfWindow(t *testing.T, cap *capture, h heldConn, endpoint netip.AddrPort) {
	t.Helper()
	client := netip.MustParseAddrPort(h.client.LocalAddr().String())
	remote := netip.MustParseAddrPort(h.client.RemoteAddr().String())
	last, ok := cap.last(func(s segment) bool { return s.src == remote && s.dst == client && s.flags&tcpACK != 0 })
	if !ok {
		t.Fatalf("the capture saw no segment from %s to %s", remote, client)
	}
	inject(t, segment{src: endpoint, dst: client, seq: last.seq + uint32(last.payload) + 1<<30, ack: last.ack, flags: tcpACK | tcpPSH}, []byte("x"))
}

// survives checks that the connection still carries data both ways, and reports the
// reset that ended it instead, if one did.
func survives(t *testing.T, h heldConn) error {
	t.Helper()
	srv, ok := <-h.server
	if !ok {
		t.Fatal("the server accepted no connection")
	}
	defer srv.Close()
	srv.SetDeadline(time.Now().Add(2 * time.Second))
	if _, err := h.client.Write([]byte("ping")); err != nil {
		return err
	}
	buf := make([]byte, 4)
	if _, err := io.ReadFull(srv, buf); err != nil {
		return err
	}
	if _, err := srv.Write([]byte("pong")); err != nil {
		return err
	}
	if _, err := io.ReadFull(h.client, buf); err != nil {
		return err
	}
	return nil
}

func dropCount(t *testing.T) int {
	t.Helper()
	out, err := exec.Command("nft", "list", "chain", "ip", Table, "input").CombinedOutput()
	if err != nil {
		t.Fatalf("nft list chain ip %s input: %v: %s", Table, err, out)
	}
	m := regexp.MustCompile(`counter packets (\d+)`).FindSubmatch(out)
	if m == nil {
		t.Fatalf("no counter in the input chain:\n%s", out)
	}
	n, _ := strconv.Atoi(string(m[1]))
	return n
}

// A reply conntrack finds invalid resets a connection to a ClusterIP when nothing drops
// it (the defect, shown first so that the test proves it can happen here), and does not
// with the rules' input chain, which counts it. A direct connection to the same endpoint
// survives the same packet, with the chain too: the client's TCP never needed to see it.
func TestInvalidReplyDoesNotResetAServiceConnection(t *testing.T) {
	if !privnet.Enter(t, "nft") {
		return
	}
	netSetup(t)
	endpoint := netip.MustParseAddrPort("127.0.0.2:20001")
	ln, err := net.Listen("tcp", endpoint.String())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ln.Close() })
	cap := startCapture(t)
	rules := Render(realInput(webA))

	load(t, rules)
	privnet.Run(t, "nft", "delete", "chain", "ip", Table, "input")
	h := openHeld(t, ln, "10.43.0.10:80")
	outOfWindow(t, cap, h, endpoint)
	if err := survives(t, h); !errors.Is(err, syscall.ECONNRESET) {
		t.Fatalf("without the input chain the invalid reply should reset the connection to the ClusterIP (the defect); got %v", err)
	}

	load(t, rules)
	h = openHeld(t, ln, "10.43.0.10:80")
	outOfWindow(t, cap, h, endpoint)
	if err := survives(t, h); err != nil {
		t.Errorf("with the input chain the connection to the ClusterIP ended: %v", err)
	}
	if n := dropCount(t); n != 1 {
		t.Errorf("the input chain dropped %d packets, want 1 (the invalid reply)", n)
	}

	h = openHeld(t, ln, endpoint.String())
	outOfWindow(t, cap, h, endpoint)
	if err := survives(t, h); err != nil {
		t.Errorf("the direct connection ended: %v", err)
	}
	if n := dropCount(t); n != 2 {
		t.Errorf("the input chain dropped %d packets, want 2 (the direct connection's invalid packet too)", n)
	}
}
