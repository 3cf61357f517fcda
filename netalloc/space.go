package netalloc

import (
	"encoding/binary"
	"hash/fnv"
	"net/netip"
)

// space is the addresses of an IPv4 CIDR that may be given out: all but the network
// address, the first host address and the broadcast address.
type space struct {
	base  uint32 // the network address
	first uint32 // offset of the first address given out
	count uint32 // how many are given out
}

func newSpace(p netip.Prefix) space {
	a := p.Masked().Addr().As4()
	size := uint32(1) << (32 - p.Bits())
	if size < 4 {
		return space{base: binary.BigEndian.Uint32(a[:])}
	}
	return space{base: binary.BigEndian.Uint32(a[:]), first: 2, count: size - 3}
}

// contains reports whether ip may be given out.
func (s space) contains(ip netip.Addr) bool {
	if !ip.Is4() {
		return false
	}
	a := ip.As4()
	off := binary.BigEndian.Uint32(a[:]) - s.base
	return off >= s.first && off < s.first+s.count
}

// at is the i-th address that may be given out.
func (s space) at(i uint32) netip.Addr {
	var b [4]byte
	binary.BigEndian.PutUint32(b[:], s.base+s.first+i)
	return netip.AddrFrom4(b)
}

// pick finds a free address for key: the first one not taken, searching from a place
// that the key's hash picks (a stable spread: the same key finds the same address in the
// same state, and a freed address is not the next one handed out). avoid is skipped too,
// unless nothing else is free.
func (s space) pick(key string, taken, avoid func(netip.Addr) bool) (netip.Addr, bool) {
	if s.count == 0 {
		return netip.Addr{}, false
	}
	start := uint32(hashKey(key) % uint64(s.count))
	var fallback netip.Addr
	for i := uint32(0); i < s.count; i++ {
		ip := s.at((start + i) % s.count)
		if taken(ip) {
			continue
		}
		if !avoid(ip) {
			return ip, true
		}
		if !fallback.IsValid() {
			fallback = ip
		}
	}
	return fallback, fallback.IsValid()
}

// pickPort is pick for a port range.
func pickPort(r PortRange, key string, taken, avoid func(int32) bool) (int32, bool) {
	n := r.Size()
	if n == 0 {
		return 0, false
	}
	start := int(hashKey(key) % uint64(n))
	var fallback int32
	for i := 0; i < n; i++ {
		p := r.First + int32((start+i)%n)
		if taken(p) {
			continue
		}
		if !avoid(p) {
			return p, true
		}
		if fallback == 0 {
			fallback = p
		}
	}
	return fallback, fallback != 0
}

func hashKey(key string) uint64 {
	h := fnv.New64a()
	h.Write([]byte(key))
	return h.Sum64()
}
