package ingress

import (
	"io"
	"net/http"
	"testing"

	networkingv1 "k8s.io/api/networking/v1"

	"github.com/podman-swarm/podman-swarm/discovery"
)

// BenchmarkProxy measures one proxied GET over kept-alive connections, client to ingress to
// a real backend, all on loopback.
func BenchmarkProxy(b *testing.B) {
	be := backendServer(b, "127.0.0.2", "ok", nil)
	agent := newFakeAgent(b, State{
		Ingresses: []networkingv1.Ingress{hostIngress("web", "web.test", "web")},
		Services:  []discovery.Service{service("web", endpoint("web-a", "n1", be.Listener.Addr().String(), true))},
	})
	s := startIngress(b, Config{Agent: agent.URL})
	waitRouted(b, s, "web.test")
	cl := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: 64}}
	url := "http://" + s.Addr().String() + "/"
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			req, _ := http.NewRequest("GET", url, nil)
			req.Host = "web.test"
			resp, err := cl.Do(req)
			if err != nil {
				b.Error(err)
				return
			}
			io.Copy(io.Discard, resp.Body)
			resp.Body.Close()
		}
	})
}
