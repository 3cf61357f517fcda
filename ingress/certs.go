package ingress

import (
	"crypto/tls"
	"fmt"
	"path/filepath"
	"strings"

	networkingv1 "k8s.io/api/networking/v1"
)

// certStore holds the certificates of the Ingresses' tls sections, by host, for SNI.
type certStore struct {
	exact    map[string]*tls.Certificate
	wildcard map[string]*tls.Certificate // by the suffix after "*."
	fallback *tls.Certificate            // the first loaded: for clients without (or with an unknown) SNI
}

func (c *certStore) empty() bool { return c.fallback == nil }

// loadCerts reads <dir>/<namespace>/<secretName>/tls.crt and tls.key for every tls entry of
// the selected Ingresses, in the conflict order of the router: the first certificate for a
// host wins. A tls entry without hosts covers the hosts of its Ingress's rules, as
// Kubernetes defines. Problems (a missing or bad key pair) are returned, not fatal: those
// hosts are served with the fallback certificate, or over plain HTTP.
func loadCerts(ings []networkingv1.Ingress, class, dir string) (*certStore, []string) {
	cs := &certStore{exact: map[string]*tls.Certificate{}, wildcard: map[string]*tls.Certificate{}}
	if dir == "" {
		return cs, nil
	}
	var problems []string
	loaded := map[string]*tls.Certificate{}
	for _, in := range sortIngresses(ings) {
		if !Selected(&in, class) {
			continue
		}
		for _, t := range in.Spec.TLS {
			if t.SecretName == "" {
				continue
			}
			folder := filepath.Join(dir, in.Namespace, t.SecretName)
			cert, ok := loaded[folder]
			if !ok {
				c, err := tls.LoadX509KeyPair(filepath.Join(folder, "tls.crt"), filepath.Join(folder, "tls.key"))
				if err != nil {
					problems = append(problems, fmt.Sprintf("ingress %s/%s: secret %s: %v", in.Namespace, in.Name, t.SecretName, err))
					loaded[folder] = nil
					continue
				}
				cert = &c
				loaded[folder] = cert
			}
			if cert == nil {
				continue
			}
			hosts := t.Hosts
			if len(hosts) == 0 {
				for _, r := range in.Spec.Rules {
					hosts = append(hosts, r.Host)
				}
			}
			for _, h := range hosts {
				h = strings.ToLower(h)
				switch {
				case h == "":
				case strings.HasPrefix(h, "*."):
					if cs.wildcard[h[2:]] == nil {
						cs.wildcard[h[2:]] = cert
					}
				case cs.exact[h] == nil:
					cs.exact[h] = cert
				}
			}
			if cs.fallback == nil {
				cs.fallback = cert
			}
		}
	}
	return cs, problems
}

// get picks the certificate for an SNI name: exact host, then a wildcard one label up,
// then the fallback.
func (c *certStore) get(name string) *tls.Certificate {
	name = strings.TrimSuffix(strings.ToLower(name), ".")
	if cert := c.exact[name]; cert != nil {
		return cert
	}
	if _, suffix, ok := strings.Cut(name, "."); ok {
		if cert := c.wildcard[suffix]; cert != nil {
			return cert
		}
	}
	return c.fallback
}
