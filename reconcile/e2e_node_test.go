package reconcile

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/util/intstr"

	"github.com/podman-swarm/podman-swarm/manifest"
	"github.com/podman-swarm/podman-swarm/quadlet"
)

// The in-node test's pods live in their own namespace and unit folder (Quadlet reads
// sub-folders too), so that an agent running on the same node leaves them alone.
const (
	e2eNamespace = "e2e-reconcile"
	e2eImage     = "localhost/web-e2e:latest"
)

// e2ePod is a pod of the test server listening on port, published on the same port.
func e2ePod(name string, port int32) manifest.Pod {
	return manifest.Pod{Namespace: e2eNamespace, Name: name, Spec: corev1.PodSpec{
		Containers: []corev1.Container{{
			Name: "app", Image: e2eImage, ImagePullPolicy: corev1.PullNever,
			Args:  []string{"-listen", fmt.Sprintf(":%d", port)},
			Ports: []corev1.ContainerPort{{ContainerPort: port}},
		}},
	}}
}

// inNode is the test's view of one node: a loop that can be restarted, the statuses it
// reported, and direct access to systemd for checking.
type inNode struct {
	t       *testing.T
	dir     string
	opts    quadlet.Options
	sd      *DBus
	mu      sync.Mutex
	status  map[string]Status
	loop    *Reconciler
	stop    func()
	desired []manifest.Pod
	reads   atomic.Int32 // the loop's reads of unit states: one per pass, and one more after acting
}

// countingSystemd counts the loop's reads of unit states.
type countingSystemd struct {
	Systemd
	reads *atomic.Int32
}

func (c *countingSystemd) Units(ctx context.Context, names []string) (map[string]UnitState, error) {
	c.reads.Add(1)
	return c.Systemd.Units(ctx, names)
}

// start runs a new loop, as a (re)started agent would, with a fresh D-Bus connection.
func (n *inNode) start(t *testing.T) {
	t.Helper()
	sd, err := NewDBus(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	r, err := New(Config{
		UnitDir: n.dir, Options: n.opts, Systemd: &countingSystemd{Systemd: sd, reads: &n.reads},
		Report: func(k string, s Status) {
			n.mu.Lock()
			defer n.mu.Unlock()
			n.status[k] = s
			n.t.Logf("report %s: %s ready=%v restarts=%d error=%q", k, s.Phase, s.Ready, s.Restarts, s.Error)
		},
		Logger: slog.New(slog.NewTextHandler(testWriter{n.t}, &slog.HandlerOptions{Level: slog.LevelInfo})),
		Resync: 2 * time.Second,
	})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	r.SetDesired(n.desired)
	go func() {
		defer close(done)
		r.Start(ctx)
	}()
	n.loop = r
	n.stop = func() { cancel(); <-done; sd.Close() }
}

func (n *inNode) set(pods ...manifest.Pod) {
	n.desired = pods
	n.loop.SetDesired(pods)
}

func (n *inNode) statusOf(key string) Status {
	n.mu.Lock()
	defer n.mu.Unlock()
	return n.status[key]
}

func (n *inNode) units(t *testing.T, names ...string) map[string]UnitState {
	t.Helper()
	u, err := n.sd.Units(context.Background(), names)
	if err != nil {
		t.Fatal(err)
	}
	return u
}

// eventually polls cond every 20ms for up to limit and returns how long it took.
func eventually(t *testing.T, what string, limit time.Duration, cond func() bool) time.Duration {
	t.Helper()
	start := time.Now()
	for time.Since(start) < limit {
		if cond() {
			return time.Since(start)
		}
		time.Sleep(20 * time.Millisecond)
	}
	t.Fatalf("%s: not within %v", what, limit)
	return 0
}

// get fetches a path of the node's published port; "" when nothing answers.
func get(port int, path string) string {
	c := http.Client{Timeout: time.Second}
	resp, err := c.Get(fmt.Sprintf("http://127.0.0.1:%d%s", port, path))
	if err != nil {
		return ""
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return string(b)
}

// podman runs podman and returns its trimmed output.
func podman(t *testing.T, args ...string) string {
	t.Helper()
	out, err := exec.Command("podman", args...).CombinedOutput()
	if err != nil {
		t.Fatalf("podman %q: %v\n%s", args, err, out)
	}
	return strings.TrimSpace(string(out))
}

type testWriter struct{ t *testing.T }

func (w testWriter) Write(b []byte) (int, error) {
	w.t.Log(strings.TrimRight(string(b), "\n"))
	return len(b), nil
}

// TestInNode runs inside a rig node as its user (see TestRig), against the user's systemd.
func TestInNode(t *testing.T) {
	if os.Getenv("SWARM_E2E_INNODE") != "1" {
		t.Skip("runs inside a rig node; see TestRig")
	}
	home, _ := os.UserHomeDir()
	n := &inNode{
		t:      t,
		dir:    filepath.Join(home, ".config", "containers", "systemd", "reconcile-e2e"),
		opts:   quadlet.Options{SwarmBinary: nodeSwarmBinary},
		status: map[string]Status{},
	}
	sd, err := NewDBus(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	defer sd.Close()
	n.sd = sd
	n.start(t)
	defer func() { n.stop() }()

	web := e2ePod("web", 18080)
	const webKey = e2eNamespace + "/web"
	webSvc := quadlet.PodServiceName(e2eNamespace, "web")
	appSvc := quadlet.ContainerServiceName(e2eNamespace, "web", "app")
	appName := quadlet.ContainerName(e2eNamespace, "web", "app")
	appFile := filepath.Join(n.dir, quadlet.ContainerUnitName(e2eNamespace, "web", "app"))

	// Leftovers of an interrupted run go first: that is the removal path too.
	n.set()
	eventually(t, "leftovers removed", time.Minute, func() bool { files, _, _ := readUnitDir(n.dir); return len(files) == 0 })

	t.Run("pause image warm-up", func(t *testing.T) {
		ctx := context.Background()
		run := func() string {
			var logs syncBuffer
			w := PauseImageWarmup{Logger: slog.New(slog.NewTextHandler(io.MultiWriter(&logs, testWriter{t}), nil))}
			if err := w.Start(ctx); err != nil {
				t.Fatal(err)
			}
			return logs.String()
		}
		logs := run()
		image, err := pauseImageName(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if strings.Contains(logs, "podman built no pause image") {
			t.Skipf("this podman needs no pause image of its own: %s", logs)
		}
		if ok, err := imageExists(ctx, image); err != nil || !ok {
			t.Errorf("after the warm-up, %s exists: %v, %v", image, ok, err)
		}
		if pods := podman(t, "pod", "ps", "--format", "{{.Name}}"); strings.Contains(pods, pauseWarmupPod) {
			t.Errorf("the throw-away pod is left: %s", pods)
		}
		if again := run(); !strings.Contains(again, "podman's pause image is there") {
			t.Errorf("a second warm-up did more than look:\n%s", again)
		}
	})

	t.Run("start", func(t *testing.T) {
		watchCtx, stopWatch := context.WithCancel(context.Background())
		defer stopWatch()
		changes, err := n.sd.Watch(watchCtx, "swarm-"+e2eNamespace)
		if err != nil {
			t.Fatal(err)
		}
		n.set(web)
		took := eventually(t, "web answers", 2*time.Minute, func() bool { return strings.HasPrefix(get(18080, "/"), "hello from web") })
		t.Logf("measured: SetDesired -> port 18080 answers: %v", took)
		eventually(t, "web reported Running and ready", 30*time.Second, func() bool {
			s := n.statusOf(webKey)
			return s.Phase == PhaseRunning && s.Ready
		})
		u := n.units(t, webSvc, appSvc)
		if u[webSvc].ActiveState != "active" || u[appSvc].ActiveState != "active" {
			t.Fatalf("units: %+v", u)
		}
		select {
		case name := <-changes:
			t.Logf("watch: %s changed", name)
		case <-time.After(10 * time.Second):
			t.Error("Watch reported no change of the pod's units")
		}
	})

	t.Run("agent restart restarts nothing", func(t *testing.T) {
		before := n.units(t, webSvc, appSvc)
		started := podman(t, "inspect", "--format", "{{.State.StartedAt}}", appName)
		n.stop()
		n.mu.Lock()
		n.status = map[string]Status{}
		n.mu.Unlock()
		n.start(t)
		eventually(t, "new loop reports web", 30*time.Second, func() bool { return n.statusOf(webKey).Phase == PhaseRunning })
		// A few seconds of a loop with nothing to do: no restart, and no pass but the
		// periodic ones (a pass that woke itself, through the unit changes it caused or
		// the units it read, would loop here).
		n.reads.Store(0)
		time.Sleep(5 * time.Second)
		if reads := n.reads.Load(); reads > 10 {
			t.Errorf("%d reads of the units in 5s with a resync every 2s: the loop wakes itself", reads)
		} else {
			t.Logf("%d reads of the units in 5s with a resync every 2s", reads)
		}
		after := n.units(t, webSvc, appSvc)
		for _, s := range []string{webSvc, appSvc} {
			if !after[s].ActiveEnter.Equal(before[s].ActiveEnter) || after[s].MainPID != before[s].MainPID || after[s].NRestarts != before[s].NRestarts {
				t.Errorf("%s changed across an agent restart: before %+v, after %+v", s, before[s], after[s])
			}
		}
		if again := podman(t, "inspect", "--format", "{{.State.StartedAt}}", appName); again != started {
			t.Errorf("container restarted: started at %s, now %s", started, again)
		}
	})

	t.Run("killed container is restarted by systemd and counted", func(t *testing.T) {
		pid, err := strconv.Atoi(podman(t, "inspect", "--format", "{{.State.Pid}}", appName))
		if err != nil || pid <= 0 {
			t.Fatalf("container pid: %v %d", err, pid)
		}
		if err := syscall.Kill(pid, syscall.SIGKILL); err != nil {
			t.Fatal(err)
		}
		took := eventually(t, "restart counted", time.Minute, func() bool {
			s := n.statusOf(webKey)
			return s.Restarts >= 1 && s.Phase == PhaseRunning && s.Ready
		})
		eventually(t, "web answers again", time.Minute, func() bool { return get(18080, "/") != "" })
		t.Logf("measured: kill -> restart reported: %v; NRestarts %d", took, n.units(t, appSvc)[appSvc].NRestarts)
	})

	t.Run("hand-edited and hand-deleted unit files are put back", func(t *testing.T) {
		want, err := os.ReadFile(appFile)
		if err != nil {
			t.Fatal(err)
		}
		before := n.units(t, appSvc)[appSvc].ActiveEnter
		if err := os.WriteFile(appFile, append(bytes.Clone(want), "Environment=EDITED=1\n"...), 0o644); err != nil {
			t.Fatal(err)
		}
		eventually(t, "edit undone", 30*time.Second, func() bool { b, _ := os.ReadFile(appFile); return bytes.Equal(b, want) })
		eventually(t, "pod restarted with the file put back", time.Minute, func() bool {
			u := n.units(t, appSvc)[appSvc]
			return u.ActiveState == "active" && u.ActiveEnter.After(before) && !u.NeedDaemonReload
		})
		eventually(t, "web answers after the edit", time.Minute, func() bool { return get(18080, "/") != "" })
		before = n.units(t, appSvc)[appSvc].ActiveEnter
		if err := os.Remove(appFile); err != nil {
			t.Fatal(err)
		}
		eventually(t, "deleted file put back", 30*time.Second, func() bool { b, _ := os.ReadFile(appFile); return bytes.Equal(b, want) })
		eventually(t, "pod restarted with the file put back", time.Minute, func() bool {
			u := n.units(t, appSvc)[appSvc]
			return u.ActiveState == "active" && u.ActiveEnter.After(before) && !u.NeedDaemonReload
		})
		eventually(t, "web answers after the delete", time.Minute, func() bool { return get(18080, "/") != "" })
	})

	t.Run("an agent killed after writing files finishes on its next start", func(t *testing.T) {
		n.stop()
		changed := e2ePod("web", 18080)
		changed.Spec.Containers[0].Env = []corev1.EnvVar{{Name: "FLAVOUR", Value: "v2"}}
		d, _, err := Desire(changed, n.opts)
		if err != nil {
			t.Fatal(err)
		}
		before := n.units(t, appSvc)[appSvc].ActiveEnter
		// What a pass killed right after writing leaves: the new text on disk, systemd
		// neither reloaded nor restarted.
		for name, text := range d.Units {
			if err := writeUnit(n.dir, name, text); err != nil {
				t.Fatal(err)
			}
		}
		written, err := os.Stat(appFile)
		if err != nil {
			t.Fatal(err)
		}
		web = changed
		n.desired = []manifest.Pod{web}
		n.start(t)
		eventually(t, "web runs the new text", time.Minute, func() bool { return get(18080, "/env?k=FLAVOUR") == "v2" })
		u := n.units(t, appSvc)[appSvc]
		if !u.ActiveEnter.After(before) || u.NeedDaemonReload {
			t.Errorf("after the restart: %+v", u)
		}
		if now, err := os.Stat(appFile); err != nil || !now.ModTime().Equal(written.ModTime()) {
			t.Errorf("the file was written again: %v", err)
		}
	})

	t.Run("a start that fails is retried with back-off", func(t *testing.T) {
		l, err := net.Listen("tcp", ":18086")
		if err != nil {
			t.Fatal(err)
		}
		defer l.Close()
		busy := e2ePod("busy", 18086)
		key := e2eNamespace + "/busy"
		n.set(web, busy)
		// Pending, not Failed: the loop starts it again after a back-off; the reason
		// names the port.
		eventually(t, "busy reported pending with the taken port", time.Minute, func() bool {
			s := n.statusOf(key)
			return s.Phase == PhasePending && s.Error == "port 18086/TCP on the node is in use by another process"
		})
		t.Logf("status of %s while its port is taken: %q", key, n.statusOf(key).Error)
		l.Close()
		took := eventually(t, "busy answers once the port is free", 3*time.Minute, func() bool { return strings.HasPrefix(get(18086, "/"), "hello from busy") })
		eventually(t, "busy reported running", time.Minute, func() bool { s := n.statusOf(key); return s.Phase == PhaseRunning && s.Error == "" })
		t.Logf("measured: port freed -> retried pod answers: %v", took)
		n.set(web)
	})

	t.Run("missing image is a clear status", func(t *testing.T) {
		missing := e2ePod("missing", 18081)
		missing.Spec.Containers[0].Image = "localhost/nope:1"
		before := n.units(t, appSvc)[appSvc].ActiveEnter
		n.set(web, missing)
		key := e2eNamespace + "/missing"
		eventually(t, "missing image reported", time.Minute, func() bool {
			return strings.Contains(n.statusOf(key).Error, "image localhost/nope:1 not found and pull policy is Never")
		})
		t.Logf("status of %s: %+v", key, n.statusOf(key))
		if after := n.units(t, appSvc)[appSvc].ActiveEnter; !after.Equal(before) {
			t.Errorf("adding a pod restarted web")
		}
	})

	t.Run("logs and describe", func(t *testing.T) {
		var b bytes.Buffer
		if err := n.loop.Logs(context.Background(), webKey, "", LogOptions{}, &b); err != nil {
			t.Fatal(err)
		}
		if !strings.Contains(b.String(), "GET /") || strings.Contains(b.String(), "container start") {
			t.Errorf("logs hold no request, or podman's events:\n%s", b.String())
		}
		ctx, cancel := context.WithTimeout(context.Background(), 3*time.Second)
		defer cancel()
		var follow syncBuffer
		go get(18080, "/after-follow")
		if err := n.loop.Logs(ctx, webKey, "app", LogOptions{Follow: true}, &follow); err != nil {
			t.Fatal(err)
		}
		if !strings.Contains(follow.String(), "/after-follow") {
			t.Errorf("followed logs miss a later request:\n%s", follow.String())
		}
		d, err := n.loop.Describe(context.Background(), webKey)
		if err != nil {
			t.Fatal(err)
		}
		if len(d.Units) != 2 || d.Units[0].Service != webSvc || d.Units[1].Container != "app" || d.Units[1].ActiveState != "active" {
			t.Errorf("describe: %+v", d)
		}
		for _, u := range d.Units {
			t.Logf("describe: %s %s/%s restarts=%d journal=%q", u.Service, u.ActiveState, u.SubState, u.NRestarts, u.Journal)
		}
		if _, err := n.loop.Describe(context.Background(), "e2e-reconcile/none"); err == nil {
			t.Error("describe of an unknown pod: no error")
		}
	})

	t.Run("readiness is left to the agent's probes", func(t *testing.T) {
		probed := e2ePod("probed", 18082)
		probed.Spec.Containers[0].ReadinessProbe = &corev1.Probe{
			ProbeHandler:  corev1.ProbeHandler{HTTPGet: &corev1.HTTPGetAction{Path: "/healthz", Port: intstr.FromInt32(18082)}},
			PeriodSeconds: 1, FailureThreshold: 1,
		}
		n.set(web, probed)
		key := e2eNamespace + "/probed"
		took := eventually(t, "probed running, ready bar its probe", 2*time.Minute, func() bool {
			s := n.statusOf(key)
			return s.Phase == PhaseRunning && s.ReadyBarProbes
		})
		t.Logf("measured: SetDesired -> pod with a readiness probe running: %v", took)
		if s := n.statusOf(key); s.Ready || !strings.Contains(s.Error, "readinessProbe") {
			t.Errorf("the loop alone decided the readiness of a probed pod: %+v", s)
		}
		// podman has no health check for a readiness probe: it is the agent's.
		if hc := podman(t, "inspect", "--format", "{{.Config.Healthcheck}}", quadlet.ContainerName(e2eNamespace, "probed", "app")); hc != "<nil>" {
			t.Errorf("podman has a health check for a readiness probe: %s", hc)
		}
	})

	t.Run("a failing liveness probe restarts the container", func(t *testing.T) {
		live := e2ePod("live", 18082)
		live.Spec.Containers[0].LivenessProbe = &corev1.Probe{
			ProbeHandler:  corev1.ProbeHandler{HTTPGet: &corev1.HTTPGetAction{Path: "/healthz", Port: intstr.FromInt32(18082)}},
			PeriodSeconds: 1, FailureThreshold: 1,
		}
		n.set(web, live)
		key := e2eNamespace + "/live"
		eventually(t, "live ready", 2*time.Minute, func() bool { return n.statusOf(key).Ready })
		before := n.statusOf(key).Restarts
		get(18082, "/fail")
		took := eventually(t, "live restarted by its liveness probe, and ready again", 2*time.Minute, func() bool {
			s := n.statusOf(key)
			return s.Restarts > before && s.Ready
		})
		t.Logf("measured: liveness failing -> container restarted and ready: %v", took)
		if got := get(18082, "/healthz"); !strings.HasPrefix(got, "ok") {
			t.Errorf("after the restart /healthz answers %q", got)
		}
	})

	t.Run("a pod replaced by one on the same port", func(t *testing.T) {
		web2 := e2ePod("web2", 18080)
		start := time.Now()
		n.set(web2)
		eventually(t, "web2 answers on the port web had", 2*time.Minute, func() bool { return strings.HasPrefix(get(18080, "/"), "hello from web2") })
		t.Logf("measured: replace web by web2 on one port -> web2 answers: %v", time.Since(start))
		if s := n.units(t, webSvc)[webSvc]; s.LoadState != "not-found" {
			t.Errorf("old pod's service after the replacement: %+v", s)
		}
	})

	t.Run("removed pods leave nothing", func(t *testing.T) {
		n.set()
		eventually(t, "files removed", time.Minute, func() bool { files, _, _ := readUnitDir(n.dir); return len(files) == 0 })
		eventually(t, "port closed", 30*time.Second, func() bool { return get(18080, "/") == "" })
		pods := podman(t, "pod", "ps", "--format", "{{.Name}}")
		if strings.Contains(pods, "swarm-"+e2eNamespace) {
			t.Errorf("podman pods left: %s", pods)
		}
		ctrs := podman(t, "ps", "-a", "--format", "{{.Names}}")
		if strings.Contains(ctrs, "swarm-"+e2eNamespace) {
			t.Errorf("podman containers left: %s", ctrs)
		}
		u := n.units(t, webSvc, appSvc, quadlet.PodServiceName(e2eNamespace, "web2"))
		for s, st := range u {
			if st.LoadState != "not-found" || st.ActiveState == "failed" {
				t.Errorf("%s still known to systemd: %+v", s, st)
			}
		}
	})

	t.Run("timings against hand-written units", func(t *testing.T) {
		const rounds = 5
		var ours []time.Duration
		for i := 0; i < rounds; i++ {
			p := e2ePod(fmt.Sprintf("t%d", i), 18083)
			svc := quadlet.PodServiceName(e2eNamespace, p.Name)
			start := time.Now()
			n.set(p)
			eventually(t, "timed pod answers", 2*time.Minute, func() bool { return get(18083, "/") != "" })
			ours = append(ours, time.Since(start))
			n.set()
			eventually(t, "timed pod gone", time.Minute, func() bool { return n.units(t, svc)[svc].LoadState == "not-found" })
		}
		// The baselines, as an operator would run them by hand: one .container alone, and
		// a .pod with one .container (what the loop writes), both already reloaded.
		dir := filepath.Join(filepath.Dir(n.dir), "reconcile-e2e-plain")
		if err := os.MkdirAll(dir, 0o755); err != nil {
			t.Fatal(err)
		}
		defer func() {
			exec.Command("systemctl", "--user", "stop", "plain-e2e.service", "plainpod-e2e-pod.service").Run()
			os.RemoveAll(dir)
			exec.Command("systemctl", "--user", "daemon-reload").Run()
		}()
		files := map[string]string{
			"plain-e2e.container":        fmt.Sprintf("[Container]\nImage=%s\nPull=never\nPublishPort=18084:18084\nExec=-listen :18084\n", e2eImage),
			"plainpod-e2e.pod":           "[Pod]\nPublishPort=18085:18085\n",
			"plainpod-e2e-app.container": fmt.Sprintf("[Container]\nImage=%s\nPull=never\nPod=plainpod-e2e.pod\nExec=-listen :18085\n", e2eImage),
		}
		for name, text := range files {
			if err := os.WriteFile(filepath.Join(dir, name), []byte(text), 0o644); err != nil {
				t.Fatal(err)
			}
		}
		systemctl := func(args ...string) {
			if out, err := exec.Command("systemctl", append([]string{"--user"}, args...)...).CombinedOutput(); err != nil {
				t.Logf("systemctl %q: %v %s", args, err, out)
			}
		}
		systemctl("daemon-reload")
		timed := func(unit string, port int) []time.Duration {
			var out []time.Duration
			for i := 0; i < rounds; i++ {
				start := time.Now()
				systemctl("start", unit)
				eventually(t, unit+" answers", 2*time.Minute, func() bool { return get(port, "/") != "" })
				out = append(out, time.Since(start))
				systemctl("stop", unit)
				eventually(t, unit+" stopped", time.Minute, func() bool { return n.units(t, unit)[unit].down() })
			}
			return out
		}
		plain := timed("plain-e2e.service", 18084)
		plainPod := timed("plainpod-e2e-pod.service", 18085)
		t.Logf("measured: reconciler, new pod until it answers (write, reload, start pod and container, wait for the jobs): %v, median %v", ours, median(ours))
		t.Logf("measured: hand-written .container, systemctl --user start until it answers: %v, median %v", plain, median(plain))
		t.Logf("measured: hand-written .pod + .container, systemctl --user start of the pod until it answers: %v, median %v", plainPod, median(plainPod))
	})
}

func median(ds []time.Duration) time.Duration {
	s := slices.Clone(ds)
	slices.Sort(s)
	return s[len(s)/2].Round(time.Millisecond)
}

// syncBuffer is a bytes.Buffer safe for the journal writer and the test to share.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}
