package dns

import (
	"net/netip"
	"reflect"
	"testing"
)

func TestDefaultUpstreams(t *testing.T) {
	conf := []byte("# written by hand\nsearch example.com\nnameserver 10.0.0.1\nnameserver 127.0.0.53\nnameserver fe80::1%eth0\noptions ndots:2\n")
	local := []netip.Addr{netip.MustParseAddr("127.0.0.1"), netip.MustParseAddr("10.0.0.1")}
	tests := []struct {
		listen   string
		conf     []byte
		want     []string
		fallback bool
	}{
		{"0.0.0.0:53", conf, []string{"127.0.0.53:53", "[fe80::1%eth0]:53"}, false},
		{":53", conf, []string{"127.0.0.53:53", "[fe80::1%eth0]:53"}, false},
		{"127.0.0.53:53", conf, []string{"10.0.0.1:53", "[fe80::1%eth0]:53"}, false},
		{"0.0.0.0:5353", conf, []string{"10.0.0.1:53", "127.0.0.53:53", "[fe80::1%eth0]:53"}, false},
		{"0.0.0.0:53", []byte("nameserver 10.0.0.1\n"), FallbackUpstreams, true},
		{"0.0.0.0:53", nil, FallbackUpstreams, true},
	}
	for _, tc := range tests {
		got, fallback := DefaultUpstreams(tc.conf, tc.listen, local)
		if !reflect.DeepEqual(got, tc.want) || fallback != tc.fallback {
			t.Errorf("listen %s: %v (fallback %v), want %v (fallback %v)", tc.listen, got, fallback, tc.want, tc.fallback)
		}
	}
}
