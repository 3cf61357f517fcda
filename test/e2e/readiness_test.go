package e2e

import (
	"fmt"
	"net/url"
	"slices"
	"testing"
	"time"
)

// TestReadinessApartFromLiveness fails one roll replica's readiness while its liveness
// passes: it leaves the endpoints (neither its node's ingress nor the Service sends it a
// request within a few seconds) and is not restarted; then it comes back. Another
// replica's liveness fails: it is restarted.
func TestReadinessApartFromLiveness(t *testing.T) {
	needRig(t)
	clusterIP := rollScene(t)
	pods := waitRoll(t, time.Minute, 3, "latest/0")
	victim, node := pods[0], nodeIndex(pods[0].Spec.NodeName)
	name := victim.Metadata.Name
	inClientPod := func(u string) (string, error) { return fromRollClient("/fetch?url=" + url.QueryEscape(u)) }
	// answered asks node's ingress and the Service n times each and lists who answered.
	answered := func(n int) (viaIngress, viaService []string, err error) {
		for range n {
			body, err := httpGetHost(node, "http://"+nodeAddr(node)+"/", "roll.example.test")
			m := helloRoll.FindStringSubmatch(body)
			if err != nil || m == nil {
				return nil, nil, fmt.Errorf("node %d's ingress: %q %v", node, body, err)
			}
			viaIngress = append(viaIngress, m[1])
			body, err = inClientPod("http://" + clusterIP + "/")
			if m = helloRoll.FindStringSubmatch(body); err != nil || m == nil {
				return nil, nil, fmt.Errorf("the Service from the client pod: %q %v", body, err)
			}
			viaService = append(viaService, m[1])
		}
		return viaIngress, viaService, nil
	}
	// Its node's ingress keeps to its node's replicas, the Service takes each in turn: both
	// reach the victim while it is ready.
	eventually(t, 30*time.Second, name+" answers through its node's ingress and through the Service", func() (bool, string) {
		in, svc, err := answered(6)
		return err == nil && slices.Contains(in, name) && slices.Contains(svc, name), fmt.Sprint(in, svc, err)
	})
	restarts := victim.restarts()

	t.Run("a pod whose readiness fails leaves the endpoints and is not restarted", func(t *testing.T) {
		if out, err := inClientPod("http://" + victim.Status.PodIP + ":8080/unready"); err != nil {
			t.Fatalf("GET /unready on %s: %v %s", name, err, out)
		}
		start := time.Now()
		eventually(t, 5*time.Second, name+" is not ready in the API", func() (bool, string) {
			for _, p := range rollPods(t) {
				if p.Metadata.Name == name {
					return !p.ready(), fmt.Sprint(p.Status)
				}
			}
			return false, "gone"
		})
		// A request already on its way may still land; after a few seconds none does.
		eventually(t, 5*time.Second, name+" gets no request through the ingress nor the Service", func() (bool, string) {
			in, svc, err := answered(3)
			return err == nil && !slices.Contains(in, name) && !slices.Contains(svc, name), fmt.Sprint(in, svc, err)
		})
		t.Logf("%s out of the ingress and the Service %.1fs after GET /unready", name, time.Since(start).Seconds())
		in, svc, err := answered(15)
		if err != nil || slices.Contains(in, name) || slices.Contains(svc, name) {
			t.Errorf("%s is not ready, yet answered: through its node's ingress %v, through the Service %v (%v)", name, in, svc, err)
		}
		// Liveness (/healthz every 2 s, 3 failures) still passes: long past its window, the
		// same pod runs, not restarted.
		time.Sleep(time.Until(start.Add(15 * time.Second)))
		for _, p := range rollPods(t) {
			if p.Metadata.Name == name && (p.Status.Phase != "Running" || p.restarts() != restarts || p.ready()) {
				t.Errorf("%s, not ready but alive: phase %s, restarts %d (was %d), ready %v; want Running, not restarted, not ready",
					name, p.Status.Phase, p.restarts(), restarts, p.ready())
			}
		}
		if out, err := inClientPod("http://" + victim.Status.PodIP + ":8080/reready"); err != nil {
			t.Fatalf("GET /reready on %s: %v %s", name, err, out)
		}
		eventually(t, 10*time.Second, name+" answers again through the Service", func() (bool, string) {
			_, svc, err := answered(3)
			return err == nil && slices.Contains(svc, name), fmt.Sprint(svc, err)
		})
	})

	t.Run("a pod whose liveness fails is restarted", func(t *testing.T) {
		p := pods[1]
		before := p.restarts()
		if out, err := inClientPod("http://" + p.Status.PodIP + ":8080/fail"); err != nil {
			t.Fatalf("GET /fail on %s: %v %s", p.Metadata.Name, err, out)
		}
		start := time.Now()
		eventually(t, time.Minute, p.Metadata.Name+" is restarted and ready again", func() (bool, string) {
			for _, q := range rollPods(t) {
				if q.Metadata.Name == p.Metadata.Name {
					return q.restarts() > before && q.ready(), fmt.Sprint(q.Status)
				}
			}
			return false, "gone"
		})
		t.Logf("%s restarted and ready %.1fs after GET /fail", p.Metadata.Name, time.Since(start).Seconds())
	})
}
