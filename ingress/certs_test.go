package ingress

import (
	"crypto/x509"
	"strings"
	"testing"

	networkingv1 "k8s.io/api/networking/v1"
)

func TestLoadCerts(t *testing.T) {
	dir := t.TempDir()
	wild := writeCert(t, dir, "default", "wild", "*.example.test")
	rules := writeCert(t, dir, "shop", "shop", "shop.test")
	writeCert(t, dir, "default", "other", "www.example.test") // of an Ingress of another class

	a := ing("default", "a", rule("x.example.test"))
	a.Spec.TLS = []networkingv1.IngressTLS{{Hosts: []string{"*.example.test"}, SecretName: "wild"}, {Hosts: []string{"gone.test"}, SecretName: "gone"}}
	// No hosts: the certificate covers the hosts of the Ingress's rules.
	b := ing("shop", "b", rule("shop.test"), rule("cart.test"))
	b.Spec.TLS = []networkingv1.IngressTLS{{SecretName: "shop"}}
	c := withClass(ing("default", "c", rule("www.example.test")), "nginx")
	c.Spec.TLS = []networkingv1.IngressTLS{{Hosts: []string{"www.example.test"}, SecretName: "other"}}

	cs, problems := loadCerts([]networkingv1.Ingress{c, b, a}, "swarm", dir)
	if len(problems) != 1 || !strings.Contains(problems[0], "ingress default/a: secret gone") {
		t.Errorf("problems = %q, want the missing secret of default/a", problems)
	}
	for _, tc := range []struct {
		sni  string
		want *x509.Certificate
	}{
		{"a.example.test", wild},
		{"WWW.example.test.", wild}, // the Ingress of another class does not count
		{"shop.test", rules},
		{"cart.test", rules},
		{"a.b.example.test", wild}, // no match: the fallback, the first loaded
		{"", wild},
	} {
		got := cs.get(tc.sni)
		if got == nil {
			t.Errorf("SNI %q: no certificate", tc.sni)
			continue
		}
		if leaf, _ := x509.ParseCertificate(got.Certificate[0]); !leaf.Equal(tc.want) {
			t.Errorf("SNI %q: certificate of %v, want %v", tc.sni, leaf.DNSNames, tc.want.DNSNames)
		}
	}
	if empty, _ := loadCerts([]networkingv1.Ingress{a}, "swarm", ""); !empty.empty() {
		t.Errorf("certificates loaded without a TLS folder")
	}
}
