package reconcile

import (
	"context"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/podman-swarm/podman-swarm/quadlet"
)

// fakeSystemd is systemd as far as the loop can tell: units come from the Quadlet files in
// the folder at the last reload, start and stop change their state at once, a stopped pod
// service stops its containers (BindsTo=), and a start can be made to fail.
type fakeSystemd struct {
	mu     sync.Mutex
	dir    string
	clock  *fakeClock
	units  map[string]*fakeUnit
	failN  map[string]int // the next n starts of a unit fail
	hook   func(op string) error
	calls  []string
	watch  chan string
	starts map[string]int // explicit starts per unit
	resets map[string]int // ResetFailed calls per unit
	// limited holds the units that hit their start limit: systemd refuses to start them
	// until their failed state is reset.
	limited map[string]bool
}

type fakeUnit struct {
	UnitState
	loadedMod time.Time // the file's mtime when it was loaded; zero: no file
	file      string
}

func newFakeSystemd(dir string, clock *fakeClock) *fakeSystemd {
	return &fakeSystemd{dir: dir, clock: clock, units: map[string]*fakeUnit{}, failN: map[string]int{}, starts: map[string]int{},
		resets: map[string]int{}, limited: map[string]bool{}}
}

// op records a call and runs the hook, which can make it fail (a crash in the middle).
func (f *fakeSystemd) op(name string) error {
	f.calls = append(f.calls, name)
	if f.hook != nil {
		return f.hook(name)
	}
	return nil
}

func (f *fakeSystemd) Units(ctx context.Context, names []string) (map[string]UnitState, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	out := map[string]UnitState{}
	for _, n := range names {
		u, ok := f.units[n]
		if !ok {
			out[n] = UnitState{LoadState: "not-found", ActiveState: "inactive", SubState: "dead"}
			continue
		}
		st := u.UnitState
		if u.file != "" {
			fi, err := os.Stat(filepath.Join(f.dir, u.file))
			st.NeedDaemonReload = err != nil || !fi.ModTime().Equal(u.loadedMod)
		}
		out[n] = st
	}
	return out, nil
}

func (f *fakeSystemd) Leftovers(ctx context.Context, prefix string) ([]string, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	var out []string
	for n, u := range f.units {
		if strings.HasPrefix(n, prefix) && u.ActiveState == "failed" && u.LoadState == "not-found" {
			out = append(out, n)
		}
	}
	sort.Strings(out)
	return out, nil
}

func (f *fakeSystemd) Reload(ctx context.Context) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	if err := f.op("reload"); err != nil {
		return err
	}
	entries, _ := os.ReadDir(f.dir)
	seen := map[string]bool{}
	for _, e := range entries {
		s := serviceOf(e.Name())
		if s == "" {
			continue
		}
		fi, _ := e.Info()
		seen[s] = true
		u := f.units[s]
		if u == nil {
			u = &fakeUnit{UnitState: UnitState{ActiveState: "inactive", SubState: "dead"}}
			f.units[s] = u
		}
		u.LoadState, u.file, u.loadedMod = "loaded", e.Name(), fi.ModTime()
	}
	for s, u := range f.units {
		if !seen[s] {
			// systemd forgets an inactive unit without a file, but keeps a failed one.
			if u.ActiveState == "inactive" {
				delete(f.units, s)
			} else {
				u.LoadState, u.file = "not-found", ""
			}
		}
	}
	return nil
}

func (f *fakeSystemd) Start(ctx context.Context, units []string) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	var errs []string
	for _, n := range units {
		if err := f.op("start " + n); err != nil {
			return err
		}
		u := f.units[n]
		if u == nil || !u.loaded() {
			errs = append(errs, fmt.Sprintf("start %s: Unit %s not found.", n, n))
			continue
		}
		f.starts[n]++
		if f.limited[n] {
			u.ActiveState, u.SubState, u.Result = "failed", "failed", "start-limit-hit"
			u.StateChange = f.clock.Now()
			errs = append(errs, (&JobError{Verb: "start", Unit: n, Result: "failed"}).Error())
			continue
		}
		if f.failN[n] > 0 {
			f.failN[n]--
			u.ActiveState, u.SubState, u.Result = "failed", "failed", "exit-code"
			u.ExecMainCode, u.ExecMainStatus = 1, 125
			u.StateChange = f.clock.Now()
			errs = append(errs, (&JobError{Verb: "start", Unit: n, Result: "failed"}).Error())
			continue
		}
		if u.ActiveState == "active" {
			continue
		}
		u.ActiveState, u.SubState, u.Result = "active", "running", "success"
		u.ActiveEnter, u.StateChange = f.clock.Now(), f.clock.Now()
		u.NRestarts = 0
		u.MainPID = 1000 + f.starts[n]
	}
	if len(errs) > 0 {
		return fmt.Errorf("%s", strings.Join(errs, "; "))
	}
	return nil
}

func (f *fakeSystemd) Stop(ctx context.Context, units []string) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	for _, n := range units {
		if err := f.op("stop " + n); err != nil {
			return err
		}
		f.stopLocked(n)
		if ref, ok := quadlet.ParseUnitName(strings.TrimSuffix(n, ".service") + quadlet.ExtPod); ok {
			// BindsTo=: the pod's containers stop with it.
			prefix := quadlet.PodName(ref.Namespace, ref.Pod) + "_"
			for s, u := range f.units {
				if strings.HasPrefix(s, prefix) && strings.HasSuffix(s, ".service") && !strings.HasSuffix(s, "_volume.service") && !u.down() {
					f.stopLocked(s)
				}
			}
		}
	}
	return nil
}

func (f *fakeSystemd) ResetFailed(ctx context.Context, units []string) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	for _, n := range units {
		f.resets[n]++
		// As systemd's reset-failed, it also resets the start limit's counter.
		delete(f.limited, n)
		if u := f.units[n]; u != nil && u.ActiveState == "failed" {
			u.ActiveState = "inactive"
			if u.LoadState == "not-found" {
				delete(f.units, n) // and forgets it once it is no longer failed
			}
		}
	}
	return nil
}

func (f *fakeSystemd) stopLocked(n string) {
	if u := f.units[n]; u != nil && !u.down() {
		u.ActiveState, u.SubState, u.MainPID = "inactive", "dead", 0
		u.StateChange = f.clock.Now()
	}
}

func (f *fakeSystemd) Watch(ctx context.Context, prefix string) (<-chan string, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.watch = make(chan string, 1)
	return f.watch, nil
}

// crash makes a running unit's main process die: systemd restarts it (Restart=always).
func (f *fakeSystemd) crash(n string) {
	f.mu.Lock()
	defer f.mu.Unlock()
	u := f.units[n]
	u.NRestarts++
	u.ActiveEnter, u.StateChange = f.clock.Now(), f.clock.Now()
	f.nudge(n)
}

// fail puts a unit in the failed state, as when systemd gives up on it.
func (f *fakeSystemd) fail(n string) {
	f.mu.Lock()
	defer f.mu.Unlock()
	u := f.units[n]
	u.ActiveState, u.SubState, u.Result, u.ExecMainCode, u.ExecMainStatus = "failed", "failed", "exit-code", 1, 1
	u.StateChange = f.clock.Now()
	f.nudge(n)
}

// hitStartLimit puts a unit where systemd leaves one whose own restarts came too fast
// (Restart= with the default StartLimitBurst): failed with result start-limit-hit, never
// started again by systemd, and refused until its failed state is reset. A pod service
// that goes down takes its containers down with it (BindsTo=).
func (f *fakeSystemd) hitStartLimit(n string) {
	f.mu.Lock()
	defer f.mu.Unlock()
	u := f.units[n]
	u.ActiveState, u.SubState, u.Result, u.MainPID = "failed", "failed", "start-limit-hit", 0
	u.StateChange = f.clock.Now()
	f.limited[n] = true
	if ref, ok := quadlet.ParseUnitName(strings.TrimSuffix(n, ".service") + quadlet.ExtPod); ok {
		prefix := quadlet.PodName(ref.Namespace, ref.Pod) + "_"
		for s := range f.units {
			if strings.HasPrefix(s, prefix) && strings.HasSuffix(s, ".service") && !strings.HasSuffix(s, "_volume.service") {
				f.stopLocked(s)
			}
		}
	}
	f.nudge(n)
}

func (f *fakeSystemd) nudge(n string) {
	if f.watch != nil {
		select {
		case f.watch <- n:
		default:
		}
	}
}

// state is the state of a unit, "" when systemd does not have it.
func (f *fakeSystemd) state(n string) string {
	f.mu.Lock()
	defer f.mu.Unlock()
	if u := f.units[n]; u != nil {
		return u.ActiveState
	}
	return ""
}

// takeCalls returns the calls since the last takeCalls.
func (f *fakeSystemd) takeCalls() []string {
	f.mu.Lock()
	defer f.mu.Unlock()
	c := f.calls
	f.calls = nil
	return c
}

// fakeClock is the loop's clock and the fake systemd's: real time plus an offset that the
// tests move forward, so that it is never behind the files' modification times.
type fakeClock struct {
	mu     sync.Mutex
	offset time.Duration
}

func (c *fakeClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return time.Now().Add(c.offset)
}

func (c *fakeClock) advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.offset += d
}

// fakePodman records removed volumes and killed containers.
type fakePodman struct {
	mu      sync.Mutex
	removed []string
	killed  []string
	onKill  func(containers []string) []string
}

func (p *fakePodman) RemoveVolume(ctx context.Context, name string) error {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.removed = append(p.removed, name)
	return nil
}

// Kill records the containers it is asked to kill and runs onKill, if set, which says
// which of them ran.
func (p *fakePodman) Kill(ctx context.Context, containers []string) ([]string, error) {
	p.mu.Lock()
	p.killed = append(p.killed, containers...)
	onKill := p.onKill
	p.mu.Unlock()
	if onKill != nil {
		return onKill(containers), nil
	}
	return nil, nil
}

// fakeJournal serves set lines per unit.
type fakeJournal struct {
	mu    sync.Mutex
	lines map[string][]string
	tails int
}

func (j *fakeJournal) Tail(ctx context.Context, unit string, n int) ([]string, error) {
	j.mu.Lock()
	defer j.mu.Unlock()
	j.tails++
	l := j.lines[unit]
	return l[max(0, len(l)-n):], nil
}

func (j *fakeJournal) Logs(ctx context.Context, container string, opts LogOptions, w io.Writer) error {
	j.mu.Lock()
	defer j.mu.Unlock()
	for _, l := range j.lines[container] {
		fmt.Fprintln(w, l)
	}
	return nil
}

// node is one node of the loop tests: a unit folder, the fakes, and the reports.
type node struct {
	dir     string
	clock   *fakeClock
	sd      *fakeSystemd
	podman  *fakePodman
	journal *fakeJournal
	mu      sync.Mutex
	reports []string
}

func newNode(dir string) *node {
	clock := &fakeClock{}
	return &node{
		dir: dir, clock: clock, sd: newFakeSystemd(dir, clock),
		podman: &fakePodman{}, journal: &fakeJournal{lines: map[string][]string{}},
	}
}

// agent makes a reconciler on the node, as an agent (re)starting would; opts change its
// configuration.
func (n *node) agent(opts ...func(*Config)) *Reconciler {
	cfg := Config{
		UnitDir: n.dir, Systemd: n.sd, Podman: n.podman, Journal: n.journal,
		Report: func(k string, s Status) {
			n.mu.Lock()
			defer n.mu.Unlock()
			n.reports = append(n.reports, fmt.Sprintf("%s %s ready=%v restarts=%d error=%q", k, s.Phase, s.Ready, s.Restarts, s.Error))
		},
		Logger: discardLogger(),
	}
	for _, o := range opts {
		o(&cfg)
	}
	r, err := New(cfg)
	if err != nil {
		panic(err)
	}
	r.now = n.clock.Now
	return r
}

// takeReports returns the reports since the last takeReports.
func (n *node) takeReports() []string {
	n.mu.Lock()
	defer n.mu.Unlock()
	r := n.reports
	n.reports = nil
	return r
}

// files lists the unit folder.
func (n *node) files() []string {
	entries, _ := os.ReadDir(n.dir)
	var out []string
	for _, e := range entries {
		out = append(out, e.Name())
	}
	return out
}

// settled tells whether planning again finds nothing to do.
func (n *node) settled(r *Reconciler) []string {
	desired, _ := r.snapshot()
	obs, err := r.observe(context.Background(), desired)
	if err != nil {
		return []string{err.Error()}
	}
	a := Plan(desired, obs)
	a.Keep, a.Blocked = nil, nil
	return a.lines()
}
