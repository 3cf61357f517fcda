package dns

import (
	"net"
	"net/netip"

	"golang.org/x/sys/unix"
)

// askForDestinations makes a socket bound to every address report, with each datagram, the
// address it came to: IPV6_RECVPKTINFO on an IPv6 socket (which covers IPv4 clients of a
// dual-stack one too, as v4-mapped addresses), IP_PKTINFO on an IPv4 one.
func askForDestinations(uc *net.UDPConn) bool {
	level, option := unix.IPPROTO_IPV6, unix.IPV6_RECVPKTINFO
	if a, ok := uc.LocalAddr().(*net.UDPAddr); ok && a.IP.To4() != nil {
		level, option = unix.IPPROTO_IP, unix.IP_PKTINFO
	}
	rc, err := uc.SyscallConn()
	if err != nil {
		return false
	}
	var setErr error
	if err := rc.Control(func(fd uintptr) { setErr = unix.SetsockoptInt(int(fd), level, option, 1) }); err != nil {
		return false
	}
	return setErr == nil
}

// maxSources bounds the control messages kept for answers: there is one per address of the
// node that queries come to, so a handful.
const maxSources = 64

// answerSources makes the control message that sends an answer from the address its query
// came to, and keeps each one it made (by the query's packet information), so that answering
// costs no allocation. The messages are those the server's own session path writes (IP_PKTINFO
// with the source for an IPv4 or v4-mapped address, IPV6_PKTINFO with it for IPv6; no
// interface: the route to the client picks it).
type answerSources map[string][]byte

// of gives the control message for the answer to a query that came with oob; nil when oob
// names no destination (the kernel then picks the source, as without it).
func (s answerSources) of(oob []byte) []byte {
	for len(oob) >= unix.CmsgLen(0) {
		h, data, rest, err := unix.ParseOneSocketControlMessage(oob)
		if err != nil {
			return nil
		}
		oob = rest
		var dst netip.Addr
		switch {
		case h.Level == unix.IPPROTO_IPV6 && h.Type == unix.IPV6_PKTINFO && len(data) >= unix.SizeofInet6Pktinfo:
			dst = netip.AddrFrom16([16]byte(data[:16])) // in6_pktinfo: address, interface
		case h.Level == unix.IPPROTO_IP && h.Type == unix.IP_PKTINFO && len(data) >= unix.SizeofInet4Pktinfo:
			dst = netip.AddrFrom4([4]byte(data[8:12])) // in_pktinfo: interface, local address, destination
		default:
			continue
		}
		if cm, ok := s[string(data)]; ok {
			return cm
		}
		cm := sourceMessage(dst.Unmap())
		if len(s) < maxSources {
			s[string(data)] = cm
		}
		return cm
	}
	return nil
}

// sourceMessage is the control message that sends a datagram from src.
func sourceMessage(src netip.Addr) []byte {
	if src.Is4() {
		return unix.PktInfo4(&unix.Inet4Pktinfo{Spec_dst: src.As4()})
	}
	return unix.PktInfo6(&unix.Inet6Pktinfo{Addr: src.As16()})
}
