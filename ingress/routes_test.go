package ingress

import (
	"testing"
	"time"

	networkingv1 "k8s.io/api/networking/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

var (
	exact    = networkingv1.PathTypeExact
	prefix   = networkingv1.PathTypePrefix
	implSpec = networkingv1.PathTypeImplementationSpecific
)

func path(p string, t networkingv1.PathType, svc string, port any) networkingv1.HTTPIngressPath {
	return networkingv1.HTTPIngressPath{Path: p, PathType: &t, Backend: backend(svc, port)}
}

func backend(svc string, port any) networkingv1.IngressBackend {
	sb := &networkingv1.IngressServiceBackend{Name: svc}
	switch p := port.(type) {
	case int:
		sb.Port.Number = int32(p)
	case string:
		sb.Port.Name = p
	}
	return networkingv1.IngressBackend{Service: sb}
}

func rule(host string, paths ...networkingv1.HTTPIngressPath) networkingv1.IngressRule {
	return networkingv1.IngressRule{Host: host, IngressRuleValue: networkingv1.IngressRuleValue{HTTP: &networkingv1.HTTPIngressRuleValue{Paths: paths}}}
}

func ing(ns, name string, rules ...networkingv1.IngressRule) networkingv1.Ingress {
	return networkingv1.Ingress{ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: name}, Spec: networkingv1.IngressSpec{Rules: rules}}
}

func withClass(in networkingv1.Ingress, class string) networkingv1.Ingress {
	in.Spec.IngressClassName = &class
	return in
}

func TestRouterMatch(t *testing.T) {
	def := ing("default", "def")
	b := backend("fallback", 80)
	def.Spec.DefaultBackend = &b
	older := ing("default", "zz-older", rule("dup.test", path("/", prefix, "older", 80)))
	older.CreationTimestamp = metav1.NewTime(time.Unix(100, 0))
	newer := ing("default", "aa-newer", rule("dup.test", path("/", prefix, "newer", 80)))
	newer.CreationTimestamp = metav1.NewTime(time.Unix(200, 0))
	legacy := ing("default", "legacy", rule("legacy.test", path("/", prefix, "legacy", 80)))
	legacy.Annotations = map[string]string{legacyClassAnnotation: "nginx"}
	ings := []networkingv1.Ingress{
		ing("default", "web",
			rule("www.example.test",
				path("/", prefix, "root", 80),
				path("/foo", prefix, "foo", "http"),
				path("/foo/bar/", prefix, "foobar", 80),
				path("/foo", exact, "foo-exact", 80),
				path("/old", implSpec, "old", 80),
			),
			rule("*.example.test", path("/", prefix, "wild", 80)),
			rule("", path("/any", prefix, "anyhost", 80)),
			rule("api.test", path("/v1", prefix, "api", 80)),
		),
		ing("shop", "shop", rule("shop.test", path("/cart", exact, "cart", 8080))),
		// The same host and path in a later Ingress (by namespace/name) loses.
		ing("shop", "shop2", rule("shop.test", path("/cart", exact, "cart2", 8080), path("/", prefix, "shop-root", 80))),
		withClass(ing("default", "other-class", rule("other.test", path("/", prefix, "other", 80))), "nginx"),
		withClass(ing("default", "our-class", rule("ours.test", path("/", prefix, "ours", 80))), "swarm"),
		legacy, def, newer, older,
	}
	r := NewRouter(ings, "swarm")
	cases := []struct {
		host, path string
		want       string // "" for no match
	}{
		{"www.example.test", "/", "default/root:80"},
		{"WWW.Example.Test:8080", "/x", "default/root:80"},
		{"www.example.test.", "/x", "default/root:80"},
		{"www.example.test", "/foo", "default/foo-exact:80"}, // Exact before Prefix at equal length
		{"www.example.test", "/foo/", "default/foo:http"},
		{"www.example.test", "/foo/baz", "default/foo:http"},
		{"www.example.test", "/foobar", "default/root:80"}, // element-wise, not string prefix
		{"www.example.test", "/foo/bar", "default/foobar:80"},
		{"www.example.test", "/foo/bar/x", "default/foobar:80"},
		{"www.example.test", "/foo/barn", "default/foo:http"},
		{"www.example.test", "/old/x", "default/old:80"}, // ImplementationSpecific is Prefix
		{"a.example.test", "/", "default/wild:80"},
		{"a.b.example.test", "/", "default/fallback:80"}, // a wildcard covers one label only
		{"example.test", "/any/1", "default/anyhost:80"},
		{"nowhere.test", "/any", "default/anyhost:80"},
		{"nowhere.test", "/", "default/fallback:80"},
		// A matched host without a matching path falls to the default backend, not to
		// rules without a host.
		{"www.example.test", "/any", "default/root:80"},
		{"api.test", "/x", "default/fallback:80"},
		{"shop.test", "/any", "shop/shop-root:80"},
		{"shop.test", "/cart", "shop/cart:8080"},
		{"shop.test", "/cart/", "shop/shop-root:80"},
		{"other.test", "/", "default/fallback:80"},
		{"ours.test", "/", "default/ours:80"},
		{"legacy.test", "/", "default/fallback:80"},
		{"dup.test", "/", "default/older:80"}, // the older Ingress wins
		{"[::1]:80", "/any", "default/anyhost:80"},
	}
	// The snapshot computes the endpoints of these backends only.
	listed := map[Backend]bool{}
	for _, b := range r.backends() {
		if listed[b] {
			t.Errorf("backends() lists %s twice", b)
		}
		listed[b] = true
	}
	for _, c := range cases {
		got, ok := r.Match(c.host, c.path)
		if g := got.String(); !ok && c.want != "" || ok && g != c.want {
			t.Errorf("Match(%q, %q) = %q, %v; want %q", c.host, c.path, g, ok, c.want)
		}
		if ok && !listed[got] {
			t.Errorf("Match(%q, %q) = %s, which backends() leaves out", c.host, c.path, got)
		}
	}
	if _, ok := NewRouter(ings[:1], "swarm").Match("nowhere.test", "/"); ok {
		t.Errorf("no default backend: a request no rule matches should not match")
	}
}

func TestSelected(t *testing.T) {
	empty := ""
	cases := []struct {
		name string
		in   networkingv1.Ingress
		want bool
	}{
		{"no class", ing("d", "a"), true},
		{"empty class", func() networkingv1.Ingress { i := ing("d", "a"); i.Spec.IngressClassName = &empty; return i }(), true},
		{"ours", withClass(ing("d", "a"), "swarm"), true},
		{"other", withClass(ing("d", "a"), "nginx"), false},
		{"legacy other", func() networkingv1.Ingress {
			i := ing("d", "a")
			i.Annotations = map[string]string{legacyClassAnnotation: "nginx"}
			return i
		}(), false},
		{"legacy ours", func() networkingv1.Ingress {
			i := ing("d", "a")
			i.Annotations = map[string]string{legacyClassAnnotation: "swarm"}
			return i
		}(), true},
	}
	for _, c := range cases {
		if got := Selected(&c.in, "swarm"); got != c.want {
			t.Errorf("%s: Selected = %v, want %v", c.name, got, c.want)
		}
	}
}
