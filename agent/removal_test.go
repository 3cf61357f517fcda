package agent

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/podman-swarm/podman-swarm/cluster"
	"github.com/podman-swarm/podman-swarm/manifest"
	"github.com/podman-swarm/podman-swarm/quadlet"
)

// desiredLog records what the runtime was handed.
type desiredLog struct {
	mu    sync.Mutex
	calls [][]string
}

func (d *desiredLog) SetDesired(pods []manifest.Pod) {
	var names []string
	for _, p := range pods {
		names = append(names, p.Name)
	}
	d.mu.Lock()
	defer d.mu.Unlock()
	d.calls = append(d.calls, names)
}

func (d *desiredLog) count() int {
	d.mu.Lock()
	defer d.mu.Unlock()
	return len(d.calls)
}

func (d *desiredLog) last() []string {
	d.mu.Lock()
	defer d.mu.Unlock()
	return d.calls[len(d.calls)-1]
}

// Once stopped, the gate hands the runtime no pod, whatever the pod loop still finds
// assigned in a store that no longer hears from the cluster.
func TestPodGateStopsEveryPodForGood(t *testing.T) {
	var rt desiredLog
	g := &podGate{runtime: &rt}
	web := []manifest.Pod{{Namespace: "default", Name: "web-1"}, {Namespace: "default", Name: "web-2"}}
	g.SetDesired(web)
	if got := rt.last(); !slices.Equal(got, []string{"web-1", "web-2"}) {
		t.Fatalf("before: %v", got)
	}
	g.stopAll()
	if got := rt.last(); len(got) != 0 {
		t.Errorf("stopAll handed %v", got)
	}
	g.SetDesired(web)
	if got := rt.last(); len(got) != 0 {
		t.Errorf("after stopAll the loop got %v through", got)
	}
}

// The wait for the pods to stop ends once the unit folder holds no pod unit, whatever
// else it holds, and gives up after its bound naming what is left.
func TestWaitUnitsGone(t *testing.T) {
	dir := t.TempDir()
	unit := filepath.Join(dir, quadlet.PodUnitName("default", "web-1"))
	for _, f := range []string{unit, filepath.Join(dir, "mine.container")} {
		if err := os.WriteFile(f, []byte("[Pod]\n"), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	left, err := podUnits(dir)
	if err != nil || !slices.Equal(left, []string{filepath.Base(unit)}) {
		t.Fatalf("podUnits = %v, %v", left, err)
	}
	err = waitUnitsGone(context.Background(), dir, 50*time.Millisecond)
	if !errors.Is(err, context.DeadlineExceeded) || !strings.Contains(err.Error(), filepath.Base(unit)) {
		t.Errorf("with a unit left: %v", err)
	}
	done := make(chan error, 1)
	go func() { done <- waitUnitsGone(context.Background(), dir, time.Minute) }()
	if err := os.Remove(unit); err != nil {
		t.Fatal(err)
	}
	if err := <-done; err != nil {
		t.Errorf("after the unit went: %v", err)
	}
	if err := waitUnitsGone(context.Background(), filepath.Join(dir, "missing"), time.Minute); err != nil {
		t.Errorf("a missing folder: %v", err)
	}
}

// removalRecords is a cluster whose removal records the test writes.
type removalRecords struct {
	mu      sync.Mutex
	records []cluster.Removal
	keys    chan string
}

func (r *removalRecords) WatchKeys(string) (<-chan string, func()) { return r.keys, func() {} }

func (r *removalRecords) Removals() []cluster.Removal {
	r.mu.Lock()
	defer r.mu.Unlock()
	return slices.Clone(r.records)
}

// add records a removal and tells the watch, which must be listening.
func (r *removalRecords) add(t *testing.T, rec cluster.Removal) {
	t.Helper()
	r.mu.Lock()
	r.records = append(r.records, rec)
	r.mu.Unlock()
	select {
	case r.keys <- "cluster/removed/" + rec.Name:
	case <-time.After(10 * time.Second):
		t.Fatalf("the watch no longer listens when %s is removed", rec.Name)
	}
}

// The watch ignores the removal of other members; at its own, it stops the pods, waits
// for their units to go, and returns ErrRemoved naming the remover.
func TestRemovalWatchStopsThePodsThenTheNode(t *testing.T) {
	dir := t.TempDir()
	unit := filepath.Join(dir, quadlet.PodUnitName("default", "web-1"))
	if err := os.WriteFile(unit, []byte("[Pod]\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	var rt desiredLog
	// The runtime stands for the reconciler: it removes the units once told to stop.
	runtime := runtimeFunc(func(pods []manifest.Pod) {
		rt.SetDesired(pods)
		if len(pods) == 0 {
			os.Remove(unit)
		}
	})
	src := &removalRecords{keys: make(chan string)}
	w := &removalWatch{node: src, name: "n2", pods: &podGate{runtime: runtime}, unitDir: dir, log: testLogger()}
	done := make(chan error, 1)
	go func() { done <- w.Start(context.Background()) }()
	// Another member's removal: the watch goes on listening (add fails otherwise).
	src.add(t, cluster.Removal{Name: "n3", By: "n0"})
	src.add(t, cluster.Removal{Name: "n4", By: "n0"})
	if n := rt.count(); n != 0 {
		t.Fatalf("the runtime was handed pods %d times at other members' removals", n)
	}
	// Its own: the watch may find the record before it reads the key.
	src.mu.Lock()
	src.records = append(src.records, cluster.Removal{Name: "n2", By: "n0"})
	src.mu.Unlock()
	var err error
	select {
	case src.keys <- "cluster/removed/n2":
		err = <-done
	case err = <-done:
	}
	if !errors.Is(err, cluster.ErrRemoved) || !strings.Contains(err.Error(), "removed by n0") || !strings.Contains(err.Error(), "swarm node forget n2") {
		t.Errorf("the watch returned %v", err)
	}
	if got := rt.last(); len(got) != 0 {
		t.Errorf("the runtime was last handed %v", got)
	}
	if _, err := os.Stat(unit); !os.IsNotExist(err) {
		t.Errorf("the watch returned before the units went: %v", err)
	}
}

type runtimeFunc func([]manifest.Pod)

func (f runtimeFunc) SetDesired(pods []manifest.Pod) { f(pods) }
