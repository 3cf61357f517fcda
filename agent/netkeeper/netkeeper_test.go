package netkeeper

import (
	"context"
	"errors"
	"os"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/podman-swarm/podman-swarm/manifest"
	"github.com/podman-swarm/podman-swarm/netns"
	"github.com/podman-swarm/podman-swarm/netrules"
)

// load is one call of the fake loader.
type load struct {
	rules string
	pods  []string
}

// fakeLoader records loads and fails the pods it is told to.
type fakeLoader struct {
	mu    sync.Mutex
	fail  map[string]bool
	loads chan load
}

func (f *fakeLoader) Load(_ context.Context, rules []byte, pods []string) error {
	f.mu.Lock()
	var errs []error
	for _, p := range pods {
		if f.fail[p] {
			errs = append(errs, &netns.PodError{Pod: p, Err: errors.New("nft: boom")})
		}
	}
	f.mu.Unlock()
	f.loads <- load{rules: string(rules), pods: slices.Clone(pods)}
	return errors.Join(errs...)
}

func (f *fakeLoader) setFail(pod string, fail bool) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.fail[pod] = fail
}

// world is the keeper's input and pods, changed by the test.
type world struct {
	mu       sync.Mutex
	in       netrules.Input
	inputErr error
	pods     []string
}

func (w *world) input(context.Context) (netrules.Input, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.in, w.inputErr
}

func (w *world) running(context.Context) ([]string, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	return slices.Clone(w.pods), nil
}

func (w *world) set(f func(w *world)) {
	w.mu.Lock()
	defer w.mu.Unlock()
	f(w)
}

func podInput(ip string) netrules.Input {
	return netrules.Input{Pods: []netrules.Pod{{Name: "default/p", IP: ip, Address: "198.18.0.1",
		Ports: []manifest.PublishedPort{{ContainerPort: 80, HostPort: 20001}}}}}
}

func startKeeper(t *testing.T, w *world, l Loader, resync time.Duration) (*Keeper, string) {
	t.Helper()
	dir := t.TempDir()
	k := New(Config{StateDir: dir, Input: w.input, Pods: w.running, Loader: l, Settle: 5 * time.Millisecond,
		Check: time.Hour, Resync: resync})
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- k.Start(ctx) }()
	t.Cleanup(func() {
		cancel()
		if err := <-done; err != nil {
			t.Errorf("Start: %v", err)
		}
	})
	return k, dir
}

func next(t *testing.T, loads <-chan load) load {
	t.Helper()
	select {
	case l := <-loads:
		return l
	case <-time.After(30 * time.Second):
		t.Fatal("no load within 30 s")
		return load{}
	}
}

// none checks that no load beyond those the test awaited has happened so far.
func none(t *testing.T, loads <-chan load) {
	t.Helper()
	select {
	case l := <-loads:
		t.Fatalf("unexpected load of %v", l.pods)
	default:
	}
}

func TestKeeperWritesAndLoadsOnlyWhatChanged(t *testing.T) {
	w := &world{in: podInput("10.42.0.5"), pods: []string{"swarm-default_b", "swarm-default_a"}}
	f := &fakeLoader{fail: map[string]bool{}, loads: make(chan load, 10)}
	k, dir := startKeeper(t, w, f, time.Hour)

	first := next(t, f.loads)
	if want := netrules.Render(podInput("10.42.0.5")); first.rules != want || !slices.Equal(first.pods, []string{"swarm-default_a", "swarm-default_b"}) {
		t.Fatalf("first load: %v with\n%s\nwant both pods with\n%s", first.pods, first.rules, want)
	}
	if b, err := os.ReadFile(RulesPath(dir)); err != nil || string(b) != first.rules {
		t.Fatalf("rules file: %v\n%s\nwant what was loaded", err, b)
	}

	// A new pod: only it is loaded. Same input otherwise.
	w.set(func(w *world) { w.pods = append(w.pods, "swarm-default_c") })
	k.Poke()
	if l := next(t, f.loads); !slices.Equal(l.pods, []string{"swarm-default_c"}) || l.rules != first.rules {
		t.Fatalf("after a new pod, loaded %v; want only swarm-default_c with the same rules", l.pods)
	}

	// The input changes and one pod fails: all are loaded, the failed one again next time.
	f.setFail("swarm-default_b", true)
	w.set(func(w *world) { w.in = podInput("10.42.0.6") })
	k.Poke()
	second := next(t, f.loads)
	if !slices.Equal(second.pods, []string{"swarm-default_a", "swarm-default_b", "swarm-default_c"}) || second.rules != netrules.Render(podInput("10.42.0.6")) {
		t.Fatalf("after a change, loaded %v with\n%s", second.pods, second.rules)
	}
	if b, _ := os.ReadFile(RulesPath(dir)); string(b) != second.rules {
		t.Fatalf("rules file not rewritten:\n%s", b)
	}
	f.setFail("swarm-default_b", false)
	w.set(func(w *world) { w.pods = []string{"swarm-default_a", "swarm-default_b"} }) // c stopped
	k.Poke()
	if l := next(t, f.loads); !slices.Equal(l.pods, []string{"swarm-default_b"}) {
		t.Fatalf("retry loaded %v, want only the pod that failed", l.pods)
	}

	// The input cannot be read: the file and the pods keep their rules.
	w.set(func(w *world) { w.inputErr = errors.New("view not ready"); w.pods = append(w.pods, "swarm-default_d") })
	k.Poke()
	w.set(func(w *world) { w.inputErr = nil })
	k.Poke()
	if l := next(t, f.loads); !slices.Equal(l.pods, []string{"swarm-default_d"}) || l.rules != second.rules {
		t.Fatalf("after the input came back, loaded %v; want only the new pod, same rules", l.pods)
	}
	none(t, f.loads)
}

func TestKeeperResyncLoadsEveryPod(t *testing.T) {
	w := &world{in: podInput("10.42.0.5"), pods: []string{"swarm-default_a", "swarm-default_b"}}
	f := &fakeLoader{fail: map[string]bool{}, loads: make(chan load, 10)}
	startKeeper(t, w, f, 20*time.Millisecond)
	first := next(t, f.loads)
	again := next(t, f.loads)
	if !slices.Equal(again.pods, first.pods) || again.rules != first.rules {
		t.Fatalf("resync loaded %v, want every pod again (%v) with the same rules", again.pods, first.pods)
	}
}
