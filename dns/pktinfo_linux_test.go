package dns

import (
	"bytes"
	"testing"

	"golang.org/x/sys/unix"
)

// The control message of an answer names as its source the address the query came to, in
// the family the kernel sends it by; anything else in the query's messages is skipped, and
// messages that do not parse give none (the kernel then picks the source).
func TestAnswerSources(t *testing.T) {
	v4 := unix.PktInfo4(&unix.Inet4Pktinfo{Ifindex: 2, Spec_dst: [4]byte{10, 0, 0, 9}, Addr: [4]byte{198, 18, 0, 11}})
	mapped := unix.PktInfo6(&unix.Inet6Pktinfo{Ifindex: 1, Addr: [16]byte{10: 0xff, 11: 0xff, 12: 127, 13: 0, 14: 0, 15: 53}})
	v6 := unix.PktInfo6(&unix.Inet6Pktinfo{Ifindex: 3, Addr: [16]byte{0: 0xfd, 15: 1}})
	other := unix.UnixRights(0)
	for _, tc := range []struct {
		name string
		oob  []byte
		want []byte
	}{
		{"IPv4", v4, unix.PktInfo4(&unix.Inet4Pktinfo{Spec_dst: [4]byte{198, 18, 0, 11}})},
		{"IPv4 client of a dual-stack socket", mapped, unix.PktInfo4(&unix.Inet4Pktinfo{Spec_dst: [4]byte{127, 0, 0, 53}})},
		{"IPv6", v6, unix.PktInfo6(&unix.Inet6Pktinfo{Addr: [16]byte{0: 0xfd, 15: 1}})},
		{"after another message", append(append([]byte{}, other...), v4...), unix.PktInfo4(&unix.Inet4Pktinfo{Spec_dst: [4]byte{198, 18, 0, 11}})},
		{"none", nil, nil},
		{"another message only", other, nil},
		{"cut short", v6[:len(v6)-8], nil},
		{"a header only", v4[:unix.CmsgLen(0)], nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s := answerSources{}
			if got := s.of(tc.oob); !bytes.Equal(got, tc.want) {
				t.Fatalf("got %x, want %x", got, tc.want)
			}
		})
	}
}

// The messages made are kept, up to maxSources, and the same one serves every answer to
// queries that came to the same address.
func TestAnswerSourcesKept(t *testing.T) {
	s := answerSources{}
	first := s.of(unix.PktInfo6(&unix.Inet6Pktinfo{Addr: [16]byte{0: 0xfd, 15: 1}}))
	again := s.of(unix.PktInfo6(&unix.Inet6Pktinfo{Addr: [16]byte{0: 0xfd, 15: 1}}))
	if &first[0] != &again[0] {
		t.Error("a second query to the same address got a new message")
	}
	for i := range 2 * maxSources {
		oob := unix.PktInfo4(&unix.Inet4Pktinfo{Addr: [4]byte{10, 1, byte(i >> 8), byte(i)}})
		if got, want := s.of(oob), unix.PktInfo4(&unix.Inet4Pktinfo{Spec_dst: [4]byte{10, 1, byte(i >> 8), byte(i)}}); !bytes.Equal(got, want) {
			t.Fatalf("address %d: got %x, want %x", i, got, want)
		}
	}
	if len(s) != maxSources {
		t.Errorf("%d messages kept, want %d", len(s), maxSources)
	}
	kept := unix.PktInfo4(&unix.Inet4Pktinfo{Addr: [4]byte{10, 1, 0, 1}})
	if n := testing.AllocsPerRun(100, func() { s.of(kept) }); n != 0 {
		t.Errorf("%.0f allocations for a kept message, want none", n)
	}
}
