package e2e

import (
	"fmt"
	"strings"
	"testing"
	"time"
)

// Rates of the two loads, requests a second, each on a new connection.
const (
	ingressRate = 24
	serviceRate = 25
)

// TestRolloutsUnderTraffic sends a steady load through every node's ingress (from outside
// the nodes) and through the Service's ClusterIP (from a pod on n1) while roll, three
// replicas, goes ten times each through a rolling update, a scale 3 -> 1 -> 3 and a
// rollout to an image that does not exist, which must miss its progress deadline and roll
// back by itself while the old pods keep serving. Not one request may fail.
func TestRolloutsUnderTraffic(t *testing.T) {
	needRig(t)
	clusterIP := rollScene(t)
	dialer, stopDialer, err := newNetnsDialer("swarm-br", 8)
	if err != nil {
		t.Fatal(err)
	}
	defer stopDialer()
	var ingresses []string
	for i := 1; i <= nodeCount; i++ {
		ingresses = append(ingresses, "http://"+nodeAddr(i)+"/")
	}
	began := time.Now()
	viaIngress := startHostLoad(dialer, ingresses, "roll.example.test", ingressRate, helloRoll.MatchString)
	podLoadStart(t, "http://"+clusterIP+"/", serviceRate)
	stopped := false
	defer func() {
		if !stopped {
			viaIngress.stop()
			_, _ = podLoadRead("/load/stop")
		}
	}()

	round := 0
	phase := func(name string, op func(t *testing.T, i int)) {
		t.Run(name, func(t *testing.T) {
			ingressBefore := viaIngress.snapshot()
			podBefore, err := podLoadRead("/load/status")
			if err != nil {
				t.Fatal(err)
			}
			start := time.Now()
			done := 0
			defer func() {
				ingress := viaIngress.snapshot().minus(ingressBefore)
				podNow, err := podLoadRead("/load/status")
				if err != nil {
					t.Error(err)
				}
				pod := podNow.minus(podBefore)
				t.Logf("%s: %d of 10 done in %s; through the ingresses: %s; through the Service from a pod: %s",
					name, done, time.Since(start).Round(time.Second), ingress, pod)
				if ingress.Failed > 0 || pod.Failed > 0 {
					t.Errorf("%s: requests failed: %d through the ingresses, %d through the Service", name, ingress.Failed, pod.Failed)
				}
			}()
			for i := range 10 {
				op(t, i)
				done++
			}
		})
	}

	phase("rolling update", func(t *testing.T, i int) {
		round++
		start := time.Now()
		apply(t, rollManifest(3, round, "latest"))
		if out, err := rolloutStatus(3 * time.Minute); err != nil {
			t.Fatalf("rolling update %d: swarm rollout status: %v\n%s", i+1, err, out)
		}
		waitRoll(t, 30*time.Second, 3, fmt.Sprintf("latest/%d", round))
		t.Logf("rolling update %d: done in %s", i+1, time.Since(start).Round(100*time.Millisecond))
	})

	phase("scale 3 to 1 and back", func(t *testing.T, i int) {
		current, _ := rollTemplate(t)
		start := time.Now()
		if out, err := swarmCLI(1, "scale", "deployment/roll", "--replicas", "1"); err != nil {
			t.Fatalf("swarm scale --replicas 1: %v\n%s", err, out)
		}
		waitRoll(t, time.Minute, 1, current)
		// Down for real: the two others have stopped on their nodes.
		eventually(t, time.Minute, "one roll container runs on the nodes", func() (bool, string) {
			n, all := rollContainers(t)
			return n == 1, all
		})
		down := time.Since(start)
		if out, err := swarmCLI(1, "scale", "deployment/roll", "--replicas", "3"); err != nil {
			t.Fatalf("swarm scale --replicas 3: %v\n%s", err, out)
		}
		if out, err := rolloutStatus(3 * time.Minute); err != nil {
			t.Fatalf("scale back to 3: swarm rollout status: %v\n%s", err, out)
		}
		waitRoll(t, 30*time.Second, 3, current)
		t.Logf("scale %d: down to 1 (containers stopped) in %s, back to 3 in %s", i+1, down.Round(100*time.Millisecond), (time.Since(start) - down).Round(100*time.Millisecond))
	})

	phase("rollout to a missing image rolls back", func(t *testing.T, i int) {
		previous, _ := rollTemplate(t)
		start := time.Now()
		apply(t, rollManifest(3, round, "missing"))
		out, err := rolloutStatus(3 * time.Minute)
		failed := time.Since(start)
		if err == nil || !strings.Contains(out, "exceeded its progress deadline") {
			t.Fatalf("rollout %d to a missing image: swarm rollout status should fail with the progress deadline: %v\n%s", i+1, err, out)
		}
		// The old pods kept serving: all three still ready on the previous template.
		ready := 0
		for _, p := range rollPods(t) {
			if p.ready() && p.template() == previous {
				ready++
			}
		}
		if ready != 3 {
			pods, _ := swarmCLI(1, "get", "pods", "-o", "wide")
			t.Errorf("rollout %d to a missing image: %d pods of %s ready when the rollout failed, want 3\n%s", i+1, ready, previous, pods)
		}
		eventually(t, time.Minute, "roll is back on "+previous+" by itself", func() (bool, string) {
			template, replicas := rollTemplate(t)
			return template == previous && replicas == 3, fmt.Sprint(template, " ", replicas)
		})
		back := time.Since(start)
		waitRoll(t, 90*time.Second, 3, previous)
		t.Logf("rollout %d to a missing image: status failed after %s, template back after %s, pods settled after %s",
			i+1, failed.Round(100*time.Millisecond), back.Round(100*time.Millisecond), time.Since(start).Round(100*time.Millisecond))
	})

	stopped = true
	ingress := viaIngress.stop()
	pod, err := podLoadRead("/load/stop")
	if err != nil {
		t.Fatal(err)
	}
	took := time.Since(began)
	t.Logf("in all, %s: through the ingresses (%d/s): %s; through the Service from a pod (%d/s): %s",
		took.Round(time.Second), ingressRate, ingress, serviceRate, pod)
	if ingress.Failed > 0 || pod.Failed > 0 {
		t.Errorf("%d requests through the ingresses and %d through the Service failed; want none", ingress.Failed, pod.Failed)
	}
	// The loads did run at their rate (a stalled generator would pass the check above).
	for _, l := range []struct {
		name string
		sent int
		rate int
	}{{"ingresses", ingress.Sent, ingressRate}, {"Service", pod.Sent, serviceRate}} {
		if want := int(float64(l.rate) * took.Seconds() * 0.9); l.sent < want {
			t.Errorf("only %d requests went through the %s in %s, want at least %d", l.sent, l.name, took.Round(time.Second), want)
		}
	}
}
