package netalloc

import (
	"net/netip"
	"strings"
	"testing"
)

func TestPortRange(t *testing.T) {
	r, err := ParsePortRange("30000-32767")
	if err != nil || r.String() != "30000-32767" || r.Size() != 2768 || !r.Contains(30000) || !r.Contains(32767) || r.Contains(29999) || r.Contains(32768) {
		t.Fatalf("ParsePortRange = %v, %v", r, err)
	}
	for _, bad := range []string{"", "x-y", "30000-", "0-10", "1-65536", "200-100", "30000:32767"} {
		if _, err := ParsePortRange(bad); err == nil {
			t.Errorf("ParsePortRange(%q) passed", bad)
		}
	}
	if one, err := ParsePortRange("8080"); err != nil || one.Size() != 1 {
		t.Errorf("a single port: %v, %v", one, err)
	}
}

func TestDefaultsAreValid(t *testing.T) {
	r, errs := Parse(DefaultSpec(), nil)
	if len(errs) > 0 {
		t.Fatal(errs)
	}
	if r.Spec() != DefaultSpec() {
		t.Errorf("Spec() = %+v", r.Spec())
	}
}

// Each problem names its field and says what to do.
func TestParseProblems(t *testing.T) {
	own := []netip.Prefix{netip.MustParsePrefix("192.168.1.0/24")}
	cases := []struct {
		spec   Spec
		fields string
		words  string
	}{
		{Spec{ServiceCIDR: "10.43.0.0", PodCIDR: DefaultPodCIDR, ServiceNodePortRange: DefaultServiceNodePortRange, NodePortRange: DefaultNodePortRange}, "ServiceCIDR", "not a CIDR"},
		{Spec{ServiceCIDR: "fd00::/108", PodCIDR: DefaultPodCIDR, ServiceNodePortRange: DefaultServiceNodePortRange, NodePortRange: DefaultNodePortRange}, "ServiceCIDR", "IPv4 addresses only"},
		{Spec{ServiceCIDR: DefaultServiceCIDR, PodCIDR: "10.42.0.0/29", ServiceNodePortRange: DefaultServiceNodePortRange, NodePortRange: DefaultNodePortRange}, "PodCIDR", "too small"},
		{Spec{ServiceCIDR: DefaultServiceCIDR, PodCIDR: "10.43.128.0/17", ServiceNodePortRange: DefaultServiceNodePortRange, NodePortRange: DefaultNodePortRange}, "ServiceCIDR,PodCIDR", "overlap"},
		{Spec{ServiceCIDR: "192.168.0.0/16", PodCIDR: DefaultPodCIDR, ServiceNodePortRange: DefaultServiceNodePortRange, NodePortRange: DefaultNodePortRange}, "ServiceCIDR", "overlaps this node's network 192.168.1.0/24"},
		{Spec{ServiceCIDR: "10.43.0.1/16", PodCIDR: DefaultPodCIDR, ServiceNodePortRange: DefaultServiceNodePortRange, NodePortRange: DefaultNodePortRange}, "ServiceCIDR", "host bits"},
		{Spec{ServiceCIDR: DefaultServiceCIDR, PodCIDR: DefaultPodCIDR, ServiceNodePortRange: "30000", NodePortRange: "20000-29999x"}, "NodePortRange", "not a port range"},
		{Spec{ServiceCIDR: DefaultServiceCIDR, PodCIDR: DefaultPodCIDR, ServiceNodePortRange: "30000-70000", NodePortRange: DefaultNodePortRange}, "ServiceNodePortRange", "1-65535"},
		{Spec{ServiceCIDR: DefaultServiceCIDR, PodCIDR: DefaultPodCIDR, ServiceNodePortRange: "29000-32767", NodePortRange: DefaultNodePortRange}, "ServiceNodePortRange,NodePortRange", "overlap"},
	}
	for _, c := range cases {
		_, errs := Parse(c.spec, own)
		if len(errs) != 1 {
			t.Errorf("%+v: %d problems: %v", c.spec, len(errs), errs)
			continue
		}
		if got := strings.Join(errs[0].Fields, ","); got != c.fields || !strings.Contains(errs[0].Error(), c.words) {
			t.Errorf("%+v: fields %s, %q; want %s and %q", c.spec, got, errs[0].Error(), c.fields, c.words)
		}
	}
}
