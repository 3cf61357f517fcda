package cluster_test

// These tests run the real swarm binary: `swarm agent --runtime none`
// processes on loopback addresses of their own, each with its own state
// folder, killed with SIGKILL at the worst moments and started again. What
// an agent acknowledged must be there afterwards.

import (
	"encoding/json"
	"fmt"
	"io"
	"math/rand/v2"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/podman-swarm/podman-swarm/internal/testdisk"
)

var (
	buildOnce sync.Once
	binDir    string
	swarmBin  string
	buildErr  error
)

func TestMain(m *testing.M) {
	code := m.Run()
	if binDir != "" {
		_ = os.RemoveAll(binDir)
	}
	os.Exit(code)
}

// swarmBinary builds cmd/swarm once for the whole test binary.
func swarmBinary(t *testing.T) string {
	t.Helper()
	if testing.Short() {
		t.Skip("builds and runs the swarm binary")
	}
	buildOnce.Do(func() {
		goBin, err := exec.LookPath("go")
		if err != nil {
			goBin = filepath.Join(runtime.GOROOT(), "bin", "go")
		}
		if binDir, buildErr = os.MkdirTemp("", "swarm-bin-"); buildErr != nil {
			return
		}
		swarmBin = filepath.Join(binDir, "swarm")
		out, err := exec.Command(goBin, "build", "-o", swarmBin, "github.com/podman-swarm/podman-swarm/cmd/swarm").CombinedOutput()
		if err != nil {
			buildErr = fmt.Errorf("go build ./cmd/swarm: %v\n%s", err, out)
		}
	})
	if buildErr != nil {
		t.Fatal(buildErr)
	}
	return swarmBin
}

// agentProc is one `swarm agent` process, which may be killed and started
// again with the same name, addresses and state folder.
type agentProc struct {
	t    *testing.T
	bin  string
	name string
	ip   string
	dir  string
	logs string     // outside the state folder, which may be full
	join *agentProc // at the first start only; later it finds its peers itself
	cmd  *exec.Cmd
	done chan struct{}
}

// newAgent prepares an agent on a loopback address no other test uses.
func newAgent(t *testing.T, name, dir string, join *agentProc) *agentProc {
	t.Helper()
	a := &agentProc{t: t, bin: swarmBinary(t), name: name, ip: freeLoopback(t), dir: dir, logs: t.TempDir(), join: join}
	t.Cleanup(a.kill)
	return a
}

// freeLoopback picks a random 127.x.y.z address whose gossip and API ports
// are free, so that parallel test runs do not collide.
func freeLoopback(t *testing.T) string {
	t.Helper()
	for range 50 {
		ip := fmt.Sprintf("127.%d.%d.%d", 64+rand.IntN(64), rand.IntN(256), 2+rand.IntN(250))
		var closers []io.Closer
		free := true
		for _, try := range []func() (io.Closer, error){
			func() (io.Closer, error) { return net.Listen("tcp", ip+":7070") },
			func() (io.Closer, error) { return net.Listen("tcp", ip+":7946") },
			func() (io.Closer, error) { return net.ListenPacket("udp", ip+":7946") },
		} {
			c, err := try()
			if err != nil {
				free = false
				break
			}
			closers = append(closers, c)
		}
		for _, c := range closers {
			_ = c.Close()
		}
		if free {
			return ip
		}
	}
	t.Fatal("no free loopback address found")
	return ""
}

func (a *agentProc) url(path string) string { return "http://" + a.ip + ":7070" + path }

func (a *agentProc) logPath() string { return filepath.Join(a.logs, a.name+".log") }

// start runs the agent and waits until its API answers.
func (a *agentProc) start() {
	a.t.Helper()
	args := []string{"agent", "--node-name", a.name, "--bind", a.ip + ":7946", "--api-listen", a.ip + ":7070",
		"--state-dir", a.dir, "--runtime", "none", "--no-auth"}
	if a.join != nil {
		token, err := os.ReadFile(filepath.Join(a.join.dir, "join-token"))
		if err != nil {
			a.t.Fatal(err)
		}
		args = append(args, "--join", a.join.ip+":7946", "--join-token", strings.TrimSpace(string(token)))
		a.join = nil
	}
	logf, err := os.OpenFile(a.logPath(), os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o600)
	if err != nil {
		a.t.Fatal(err)
	}
	a.cmd = exec.Command(a.bin, args...)
	a.cmd.Stdout, a.cmd.Stderr = logf, logf
	// Should the test binary die, its agents die with it.
	a.cmd.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}
	if err := a.cmd.Start(); err != nil {
		a.t.Fatal(err)
	}
	a.done = make(chan struct{})
	go func(cmd *exec.Cmd, done chan struct{}) {
		_ = cmd.Wait()
		logf.Close()
		close(done)
	}(a.cmd, a.done)
	deadline := time.Now().Add(20 * time.Second)
	for time.Now().Before(deadline) {
		select {
		case <-a.done:
			a.t.Fatalf("agent %s exited at start:\n%s", a.name, a.logTail())
		default:
		}
		if resp, err := http.Get(a.url("/healthz")); err == nil {
			resp.Body.Close()
			return
		}
		time.Sleep(20 * time.Millisecond)
	}
	a.t.Fatalf("agent %s did not answer within 20s:\n%s", a.name, a.logTail())
}

// kill sends SIGKILL and waits until the process is gone.
func (a *agentProc) kill() {
	if a.cmd == nil || a.cmd.Process == nil {
		return
	}
	_ = a.cmd.Process.Signal(syscall.SIGKILL)
	<-a.done
	a.cmd = nil
}

func (a *agentProc) logTail() string {
	buf, _ := os.ReadFile(a.logPath())
	if len(buf) > 4000 {
		buf = buf[len(buf)-4000:]
	}
	return string(buf)
}

var client = &http.Client{Timeout: 30 * time.Second}

// call sends a request and returns the status and the body.
func (a *agentProc) call(method, path, contentType, body string) (int, string, error) {
	req, err := http.NewRequest(method, a.url(path), strings.NewReader(body))
	if err != nil {
		return 0, "", err
	}
	if contentType != "" {
		req.Header.Set("Content-Type", contentType)
	}
	resp, err := client.Do(req)
	if err != nil {
		return 0, "", err
	}
	defer resp.Body.Close()
	out, err := io.ReadAll(resp.Body)
	return resp.StatusCode, string(out), err
}

func (a *agentProc) apply(manifest string) (int, string, error) {
	return a.call("POST", "/api/v1/manifests", "application/yaml", manifest)
}

// mustCall fails the test unless the request answers want.
func (a *agentProc) mustCall(want int, method, path, contentType, body string) string {
	a.t.Helper()
	code, out, err := a.call(method, path, contentType, body)
	if err != nil || code != want {
		a.t.Fatalf("%s %s on %s: %d %s %v, want %d", method, path, a.name, code, out, err, want)
	}
	return out
}

// names lists the objects of a kind (deployments, services) on the agent.
func (a *agentProc) names(kind string) []string {
	a.t.Helper()
	out := a.mustCall(http.StatusOK, "GET", "/api/v1/"+kind, "", "")
	var list struct {
		Items []struct {
			Metadata struct{ Name string }
		}
	}
	if err := json.Unmarshal([]byte(out), &list); err != nil {
		a.t.Fatal(err)
	}
	var names []string
	for _, it := range list.Items {
		names = append(names, it.Metadata.Name)
	}
	slices.Sort(names)
	return names
}

// assertHas checks that the agent lists every name.
func (a *agentProc) assertHas(kind string, want []string) {
	a.t.Helper()
	have := a.names(kind)
	var lost []string
	for _, name := range want {
		if _, ok := slices.BinarySearch(have, name); !ok {
			lost = append(lost, name)
		}
	}
	if len(lost) > 0 {
		a.t.Fatalf("%s lost %d of %d acknowledged %s: %v", a.name, len(lost), len(want), kind, lost)
	}
}

func deployment(name string) string {
	return fmt.Sprintf(`apiVersion: apps/v1
kind: Deployment
metadata: {name: %s}
spec:
  replicas: 1
  selector: {matchLabels: {app: %s}}
  template:
    metadata: {labels: {app: %s}}
    spec:
      containers: [{name: main, image: localhost/test:1}]
`, name, name, name)
}

func service(name string) string {
	return fmt.Sprintf(`apiVersion: v1
kind: Service
metadata: {name: %s}
spec:
  selector: {app: %s}
  ports: [{port: 80}]
`, name, name)
}

// burst applies Deployments named prefix-worker-i from eight clients at once
// until after has been acknowledged, then kills victim while requests are in
// flight, and returns every name acknowledged before the kill.
func burst(t *testing.T, to, victim *agentProc, prefix string, after int) []string {
	t.Helper()
	var (
		mu     sync.Mutex
		acked  []string
		wg     sync.WaitGroup
		enough = make(chan struct{})
		once   sync.Once
	)
	for w := range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := 0; ; i++ {
				name := fmt.Sprintf("%s-%d-%d", prefix, w, i)
				code, _, err := to.apply(deployment(name))
				if err != nil || code != http.StatusOK {
					return // the agent was killed
				}
				mu.Lock()
				acked = append(acked, name)
				if len(acked) >= after {
					once.Do(func() { close(enough) })
				}
				mu.Unlock()
			}
		}()
	}
	select {
	case <-enough:
	case <-time.After(60 * time.Second):
		t.Fatalf("%d applies not acknowledged within 60s", after)
	}
	victim.kill()
	wg.Wait()
	mu.Lock()
	defer mu.Unlock()
	return slices.Clone(acked)
}

// TestAgentKilledKeepsAcknowledgedApplies kills an agent with SIGKILL right
// after the answer to its 1st, 70th and 200th apply, and during a burst of
// concurrent applies; after each restart, everything acknowledged is there.
func TestAgentKilledKeepsAcknowledgedApplies(t *testing.T) {
	a := newAgent(t, "crash-one", filepath.Join(t.TempDir(), "a"), nil)
	a.start()
	var acked []string
	next := 0
	for _, killAt := range []int{1, 70, 200} {
		for ; next < killAt; next++ {
			name := fmt.Sprintf("d%03d", next)
			a.mustCall(http.StatusOK, "POST", "/api/v1/manifests", "application/yaml", deployment(name))
			acked = append(acked, name)
		}
		a.kill()
		a.start()
		a.assertHas("deployments", acked)
	}

	ackedBurst := burst(t, a, a, "burst", 100)
	a.start()
	a.assertHas("deployments", ackedBurst)
	a.assertHas("deployments", acked)
	t.Logf("%d sequential and %d concurrent applies acknowledged, all there after the kills", len(acked), len(ackedBurst))
}

// TestTwoAgentsKilledKeepAcknowledgedApplies: with two nodes, an apply is
// acknowledged once the other node has it on disk too. Killing the node
// applied to right after its last answer leaves all of them on the other,
// which keeps them through a SIGKILL of its own.
func TestTwoAgentsKilledKeepAcknowledgedApplies(t *testing.T) {
	root := t.TempDir()
	a := newAgent(t, "crash-a", filepath.Join(root, "a"), nil)
	a.start()
	b := newAgent(t, "crash-b", filepath.Join(root, "b"), a)
	b.start()
	waitMembers(t, 2, a, b)

	var acked []string
	for i := range 200 {
		name := fmt.Sprintf("d%03d", i)
		a.mustCall(http.StatusOK, "POST", "/api/v1/manifests", "application/yaml", deployment(name))
		acked = append(acked, name)
	}
	a.kill()
	b.assertHas("deployments", acked) // at once: b confirmed each one
	b.kill()
	b.start() // alone: what it holds is from its disk
	b.assertHas("deployments", acked)
	a.start()
	a.assertHas("deployments", acked)
	waitMembers(t, 2, a, b)

	ackedBurst := burst(t, a, a, "burst", 100)
	b.assertHas("deployments", ackedBurst)
	b.kill()
	b.start()
	b.assertHas("deployments", ackedBurst)
	a.start()
	a.assertHas("deployments", ackedBurst)
	a.assertHas("deployments", acked)
	t.Logf("%d sequential and %d concurrent applies acknowledged, all there on both after the kills", len(acked), len(ackedBurst))
}

func waitMembers(t *testing.T, want int, agents ...*agentProc) {
	t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for _, a := range agents {
		for {
			var h struct{ Members int }
			code, out, err := a.call("GET", "/healthz", "", "")
			if err == nil && code == http.StatusOK && json.Unmarshal([]byte(out), &h) == nil && h.Members == want {
				break
			}
			if time.Now().After(deadline) {
				t.Fatalf("%s does not see %d members: %d %s %v", a.name, want, code, out, err)
			}
			time.Sleep(50 * time.Millisecond)
		}
	}
}

// TestApplyRefusesAnObjectTooLarge: a manifest whose second object is over
// the store's bound is refused with 413 naming it, in a dry run and for
// real, and the first object is not stored.
func TestApplyRefusesAnObjectTooLarge(t *testing.T) {
	a := newAgent(t, "too-large", filepath.Join(t.TempDir(), "a"), nil)
	a.start()
	// Ten containers of 110 KB each: every one runs, the whole is over 1 MiB.
	var big strings.Builder
	big.WriteString("apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: big}\nspec:\n  replicas: 1\n" +
		"  selector: {matchLabels: {app: big}}\n  template:\n    metadata: {labels: {app: big}}\n    spec:\n      containers:\n")
	for i := range 10 {
		fmt.Fprintf(&big, "      - {name: c%d, image: localhost/test:1, env: [{name: BIG, value: %q}]}\n", i, strings.Repeat("x", 110<<10))
	}
	manifest := deployment("small") + "---\n" + big.String()
	for _, path := range []string{"/api/v1/manifests?dryRun=true", "/api/v1/manifests"} {
		out := a.mustCall(http.StatusRequestEntityTooLarge, "POST", path, "application/yaml", manifest)
		if !strings.Contains(out, "Deployment default/big takes") || !strings.Contains(out, "nothing was applied") {
			t.Errorf("%s: %s", path, out)
		}
	}
	if got := a.names("deployments"); len(got) != 0 {
		t.Fatalf("stored after a refused apply: %v", got)
	}
}

// TestAgentOnAFullDisk puts one agent's state folder on a small tmpfs and
// fills it: its writes answer 507 and change nothing, here or on its peer,
// and /healthz says why; once there is room again, writes work, and after a
// SIGKILL every acknowledged write is there and no refused one.
func TestAgentOnAFullDisk(t *testing.T) {
	full := testdisk.Tmpfs(t, "1m")
	root := t.TempDir()
	a := newAgent(t, "full-a", filepath.Join(full, "a"), nil)
	a.start()
	b := newAgent(t, "full-b", filepath.Join(root, "b"), a)
	b.start()
	waitMembers(t, 2, a, b)

	// Services only: they place no pods, so no write but the test's happens.
	var all strings.Builder
	var live []string
	for i := range 100 {
		name := fmt.Sprintf("s%03d", i)
		all.WriteString(service(name) + "---\n")
		live = append(live, name)
	}
	a.mustCall(http.StatusOK, "POST", "/api/v1/manifests", "application/yaml", all.String())

	testdisk.Fill(t, full)
	// The log's last page may still take a few small frames: delete until
	// the disk refuses one, which leaves less room than any write needs.
	refused := ""
	for len(live) > 0 {
		code, out, err := a.call("DELETE", "/api/v1/manifests/default/"+live[0], "", "")
		if err != nil {
			t.Fatal(err)
		}
		if code == http.StatusInsufficientStorage {
			refused = out
			break
		}
		if code != http.StatusOK {
			t.Fatalf("delete %s: %d %s", live[0], code, out)
		}
		live = live[1:]
	}
	if refused == "" {
		t.Fatal("every delete fit on the full disk")
	}
	t.Logf("%d deletes fit in the log's last page on the full disk; then: %s", 100-len(live), refused)
	for _, want := range []string{"the store could not be written to disk: no space left on device", "nothing was deleted"} {
		if !strings.Contains(refused, want) {
			t.Errorf("delete on a full disk: %s lacks %q", refused, want)
		}
	}

	// A file the agent was replacing when the disk filled (its peers, its rank) frees the
	// old one's pages when the rename lands: take those too, so that the disk stays full.
	testdisk.Fill(t, full)
	out := a.mustCall(http.StatusInsufficientStorage, "POST", "/api/v1/manifests", "application/yaml", service("refused-one"))
	if !strings.Contains(out, "the store could not be written to disk: no space left on device; nothing was applied") {
		t.Errorf("apply on a full disk: %s", out)
	}
	a.mustCall(http.StatusInsufficientStorage, "POST", "/api/v1/manifests", "application/yaml",
		service("refused-two")+"---\n"+deployment("refused-three"))
	out = a.mustCall(http.StatusInsufficientStorage, "POST", "/api/v1/tokens", "application/json", `{"description":"refused"}`)
	if !strings.Contains(out, "no token was created") {
		t.Errorf("token on a full disk: %s", out)
	}
	out = a.mustCall(http.StatusServiceUnavailable, "GET", "/healthz", "", "")
	if !strings.Contains(out, `"status":"failing"`) || !strings.Contains(out, "no space left on device") {
		t.Errorf("healthz on a full disk: %s", out)
	}
	for _, ag := range []*agentProc{a, b} {
		if got := ag.names("services"); !slices.Equal(got, live) {
			t.Fatalf("%s lists %v after the refused writes, want %v", ag.name, got, live)
		}
		if got := ag.names("deployments"); len(got) != 0 {
			t.Fatalf("%s lists %v", ag.name, got)
		}
	}
	tokens := a.mustCall(http.StatusOK, "GET", "/api/v1/tokens", "", "")
	if strings.Contains(tokens, "refused") {
		t.Fatalf("a refused token is listed: %s", tokens)
	}

	// Room again: the next write works and the node is healthy.
	if err := os.Remove(filepath.Join(full, "filler")); err != nil {
		t.Fatal(err)
	}
	a.mustCall(http.StatusOK, "POST", "/api/v1/manifests", "application/yaml", service("after"))
	a.mustCall(http.StatusOK, "GET", "/healthz", "", "")
	live = append(live, "after")
	slices.Sort(live)

	a.kill()
	a.start()
	if got := a.names("services"); !slices.Equal(got, live) {
		t.Fatalf("after a SIGKILL, %s lists %v, want %v", a.name, got, live)
	}
	if got := b.names("services"); !slices.Equal(got, live) {
		t.Fatalf("%s lists %v, want %v", b.name, got, live)
	}
}
