package e2e

import (
	"encoding/json"
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

// execProbePod is a bare Pod of the test server on node i whose readinessProbe runs
// command inside its container.
func execProbePod(name string, i int, command string) string {
	return fmt.Sprintf(`apiVersion: v1
kind: Pod
metadata: {name: %s}
spec:
  nodeSelector: {node: %s}
  containers:
    - name: server
      image: localhost/swarm-testserver:latest
      imagePullPolicy: Never
      readinessProbe: {exec: {command: %s}, periodSeconds: 1}
`, name, nodeName(i), command)
}

// TestExecReadinessProbe: the agent runs an exec readinessProbe inside the container
// (through podman exec): a command that succeeds makes the pod ready, one that fails
// leaves it running but not ready.
func TestExecReadinessProbe(t *testing.T) {
	needRig(t)
	// The test server's image holds only /testserver: -h exits 0, an unknown flag 2.
	apply(t, execProbePod("exec-ok", 2, `["/testserver", "-h"]`)+"---\n"+execProbePod("exec-bad", 2, `["/testserver", "-no-such-flag"]`))
	defer func() {
		for _, name := range []string{"exec-ok", "exec-bad"} {
			if out, err := swarmCLI(1, "delete", "pod", name); err != nil {
				t.Errorf("delete pod %s: %v\n%s", name, err, out)
			}
		}
	}()
	state := func() (ok, bad *rollPod) {
		out, err := swarmCLI(1, "get", "pods", "-o", "json")
		if err != nil {
			t.Fatalf("swarm get pods: %v\n%s", err, out)
		}
		var l struct{ Items []rollPod }
		if err := json.Unmarshal([]byte(out), &l); err != nil {
			t.Fatalf("decode pods: %v\n%s", err, out)
		}
		for i := range l.Items {
			switch l.Items[i].Metadata.Name {
			case "exec-ok":
				ok = &l.Items[i]
			case "exec-bad":
				bad = &l.Items[i]
			}
		}
		return ok, bad
	}
	start := time.Now()
	eventually(t, 2*time.Minute, "exec-ok ready, exec-bad running", func() (bool, string) {
		ok, bad := state()
		return ok != nil && ok.ready() && bad != nil && bad.Status.Phase == "Running", fmt.Sprint(ok, bad)
	})
	t.Logf("exec-ok ready %.1fs after the apply", time.Since(start).Seconds())
	// Past several periods, the failing probe still keeps its pod out.
	time.Sleep(3 * time.Second)
	if _, bad := state(); bad == nil || bad.ready() || bad.Status.Phase != "Running" {
		t.Errorf("exec-bad, whose probe exits 2: %+v; want Running and not ready", bad)
	}
}
