package schedule

import (
	"encoding/json"
	"reflect"
	"testing"
	"time"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/podman-swarm/podman-swarm/agent/store"
	"github.com/podman-swarm/podman-swarm/cluster"
	"github.com/podman-swarm/podman-swarm/manifest"
	"github.com/podman-swarm/podman-swarm/scheduler"
)

var t0 = time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)

func webDeployment(image string, replicas int32, opts ...func(*appsv1.Deployment)) *appsv1.Deployment {
	d := &appsv1.Deployment{
		ObjectMeta: metav1.ObjectMeta{Name: "web", Namespace: "default"},
		Spec: appsv1.DeploymentSpec{
			Replicas: &replicas,
			Selector: &metav1.LabelSelector{MatchLabels: map[string]string{"app": "web"}},
			Template: corev1.PodTemplateSpec{
				ObjectMeta: metav1.ObjectMeta{Labels: map[string]string{"app": "web"}},
				Spec:       corev1.PodSpec{Containers: []corev1.Container{{Name: "app", Image: image}}},
			},
		},
	}
	for _, o := range opts {
		o(d)
	}
	return d
}

func deadline(seconds int32) func(*appsv1.Deployment) {
	return func(d *appsv1.Deployment) { d.Spec.ProgressDeadlineSeconds = &seconds }
}

func historyOf(limit int32) func(*appsv1.Deployment) {
	return func(d *appsv1.Deployment) { d.Spec.RevisionHistoryLimit = &limit }
}

func annotated(value string) func(*appsv1.Deployment) {
	return func(d *appsv1.Deployment) {
		d.Annotations = map[string]string{AnnotationRollbackOnFailure: value}
	}
}

func hashOf(d *appsv1.Deployment) string { return manifest.TemplateHash(&d.Spec.Template) }

func numbers(rec store.Rollout) map[string]int64 {
	m := map[string]int64{}
	for _, r := range rec.Revisions {
		m[r.Hash] = r.Number
	}
	return m
}

// TestRevisions: each new template takes the next number; going back to an older one
// renumbers it as the newest; the record keeps revisionHistoryLimit old templates besides
// the current one.
func TestRevisions(t *testing.T) {
	v1, v2, v3 := webDeployment("img:1", 2), webDeployment("img:2", 2), webDeployment("img:3", 2)
	var rec store.Rollout
	for i, d := range []*appsv1.Deployment{v1, v2, v3, v2} {
		rec = nextRollout(rec, d, nil, scheduler.DeploymentCounts{}, t0.Add(time.Duration(i)*time.Minute))
	}
	want := map[string]int64{hashOf(v1): 1, hashOf(v3): 3, hashOf(v2): 4}
	if got := numbers(rec); !reflect.DeepEqual(got, want) {
		t.Fatalf("revisions %v; want %v", got, want)
	}
	if rec.CurrentRevision() != 4 || rec.Hash != hashOf(v2) || rec.Revisions[len(rec.Revisions)-1].Hash != hashOf(v2) {
		t.Fatalf("current revision %d, hash %s", rec.CurrentRevision(), rec.Hash)
	}
	if !reflect.DeepEqual(rec.Revisions[2].Template, v2.Spec.Template) {
		t.Fatal("the revision does not keep its template")
	}
	// The same template again is no new revision and changes nothing.
	if again := nextRollout(rec, v2, nil, scheduler.DeploymentCounts{}, t0.Add(3*time.Minute)); !reflect.DeepEqual(again, rec) {
		t.Fatalf("same template: %+v; want %+v", again, rec)
	}

	t.Run("history limit", func(t *testing.T) {
		var rec store.Rollout
		for i := range 15 {
			rec = nextRollout(rec, webDeployment("img:"+string(rune('a'+i)), 1, historyOf(3)), nil, scheduler.DeploymentCounts{}, t0)
		}
		if len(rec.Revisions) != 4 || rec.Revisions[0].Number != 12 || rec.CurrentRevision() != 15 {
			t.Fatalf("revisions %+v; want 12..15", numbersInOrder(rec))
		}
		rec = store.Rollout{}
		for i := range 15 {
			rec = nextRollout(rec, webDeployment("img:"+string(rune('a'+i)), 1), nil, scheduler.DeploymentCounts{}, t0)
		}
		if len(rec.Revisions) != 11 {
			t.Fatalf("default limit keeps %d revisions; want 10 old and the current one", len(rec.Revisions))
		}
	})
}

func numbersInOrder(rec store.Rollout) []int64 {
	var out []int64
	for _, r := range rec.Revisions {
		out = append(out, r.Number)
	}
	return out
}

// TestProgress: what counts as progress (new pods created, new pods available, old pods
// removed) moves the last progress time; nothing else does; a rollout without progress for
// its deadline times out, and resumes on progress; a complete one is complete.
func TestProgress(t *testing.T) {
	v2 := webDeployment("img:2", 3, deadline(60))
	c := func(updated, available, old int) scheduler.DeploymentCounts {
		return scheduler.DeploymentCounts{Updated: updated, Available: available, Old: old, AllAvailable: available + old}
	}
	rec := nextRollout(store.Rollout{}, v2, nil, c(1, 0, 3), t0)
	if rec.State != store.RolloutNew || !rec.LastProgress.Equal(t0) {
		t.Fatalf("new template: %+v", rec)
	}
	steps := []struct {
		at    time.Duration
		c     scheduler.DeploymentCounts
		state store.RolloutState
		last  time.Duration
	}{
		{at: 30 * time.Second, c: c(1, 0, 3), state: store.RolloutNew, last: 0},
		{at: 40 * time.Second, c: c(1, 1, 3), state: store.RolloutUpdated, last: 40 * time.Second},     // new pod available
		{at: 50 * time.Second, c: c(1, 1, 2), state: store.RolloutUpdated, last: 50 * time.Second},     // old pod removed
		{at: 55 * time.Second, c: c(2, 1, 2), state: store.RolloutUpdated, last: 55 * time.Second},     // new pod created
		{at: 100 * time.Second, c: c(2, 0, 2), state: store.RolloutUpdated, last: 55 * time.Second},    // a pod lost: no progress
		{at: 115 * time.Second, c: c(2, 0, 2), state: store.RolloutUpdated, last: 55 * time.Second},    // exactly the deadline
		{at: 116 * time.Second, c: c(2, 0, 2), state: store.RolloutTimedOut, last: 55 * time.Second},   // past it
		{at: 200 * time.Second, c: c(2, 1, 2), state: store.RolloutUpdated, last: 200 * time.Second},   // progress again
		{at: 300 * time.Second, c: c(3, 3, 0), state: store.RolloutComplete, last: 300 * time.Second},  // done
		{at: 900 * time.Second, c: c(3, 3, 0), state: store.RolloutComplete, last: 300 * time.Second},  // stays done
		{at: 910 * time.Second, c: c(3, 2, 0), state: store.RolloutUpdated, last: 910 * time.Second},   // a pod lost: work again
		{at: 9999 * time.Second, c: c(3, 2, 0), state: store.RolloutTimedOut, last: 910 * time.Second}, // never came back
	}
	for i, s := range steps {
		rec = nextRollout(rec, v2, nil, s.c, t0.Add(s.at))
		if rec.State != s.state || !rec.LastProgress.Equal(t0.Add(s.last)) {
			t.Fatalf("step %d at %s: state %s, last progress %s; want %s, %s", i, s.at, rec.State,
				rec.LastProgress.Sub(t0), s.state, s.last)
		}
	}
	t.Run("no deadline", func(t *testing.T) {
		d := webDeployment("img:2", 1, deadline(2147483647))
		rec := nextRollout(store.Rollout{}, d, nil, c(1, 0, 0), t0)
		rec = nextRollout(rec, d, nil, c(1, 0, 0), t0.Add(1000*time.Hour))
		if rec.State == store.RolloutTimedOut || !deadlineAt(rec, d).IsZero() {
			t.Fatalf("a Deployment without a deadline timed out: %+v", rec)
		}
	})
	t.Run("default deadline 600s", func(t *testing.T) {
		d := webDeployment("img:2", 1)
		rec := nextRollout(store.Rollout{}, d, nil, c(1, 0, 0), t0)
		if at := deadlineAt(rec, d); !at.After(t0.Add(600*time.Second)) || at.After(t0.Add(601*time.Second)) {
			t.Fatalf("deadline at %s", at.Sub(t0))
		}
		if rec = nextRollout(rec, d, nil, c(1, 0, 0), t0.Add(599*time.Second)); rec.State == store.RolloutTimedOut {
			t.Fatal("timed out before 600s")
		}
		if rec = nextRollout(rec, d, nil, c(1, 0, 0), deadlineAt(rec, d)); rec.State != store.RolloutTimedOut {
			t.Fatal("not timed out at the deadline the loop wakes for")
		}
	})
}

// TestRollbackTarget: only a timed out rollout with rollback on goes back, to the newest
// other revision, and a template a rollback put back is never rolled back itself.
func TestRollbackTarget(t *testing.T) {
	v1, v2 := webDeployment("img:1", 2), webDeployment("img:2", 2)
	v3 := webDeployment("img:3", 2)
	var rec store.Rollout
	for _, d := range []*appsv1.Deployment{v1, v2, v3} {
		rec = nextRollout(rec, d, nil, scheduler.DeploymentCounts{}, t0)
	}
	timedOut := rec
	timedOut.State = store.RolloutTimedOut
	tests := []struct {
		name string
		rec  store.Rollout
		d    *appsv1.Deployment
		flag bool
		want int64 // 0: none
	}{
		{name: "flag on", rec: timedOut, d: v3, flag: true, want: 2},
		{name: "annotation on", rec: timedOut, d: webDeployment("img:3", 2, annotated("true")), want: 2},
		{name: "annotation off beats the flag", rec: timedOut, d: webDeployment("img:3", 2, annotated("false")), flag: true},
		{name: "off", rec: timedOut, d: v3},
		{name: "still progressing", rec: rec, d: v3, flag: true},
		{name: "only one revision", rec: nextRollout(store.Rollout{State: store.RolloutTimedOut}, v1, nil, scheduler.DeploymentCounts{}, t0), d: v1, flag: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if tt.name == "only one revision" {
				tt.rec.State = store.RolloutTimedOut
			}
			rev, ok := rollbackTarget(tt.rec, tt.d, nil, tt.flag)
			if ok != (tt.want > 0) || rev.Number != tt.want {
				t.Fatalf("target %d (%v); want %d", rev.Number, ok, tt.want)
			}
			if ok && rev.Hash != hashOf(v2) {
				t.Fatalf("target hash %s; want v2's", rev.Hash)
			}
		})
	}
	t.Run("rolled back once, then stays failed", func(t *testing.T) {
		back, next := rolledBack(timedOut, v3, nil, store.Revision{Number: 2, Hash: hashOf(v2), Template: v2.Spec.Template}, t0)
		if !reflect.DeepEqual(back.Spec.Template, v2.Spec.Template) || back.Name != "web" {
			t.Fatalf("rolled back to %+v", back.Spec.Template)
		}
		if next.Hash != hashOf(v2) || next.CurrentRevision() != 4 || next.State != store.RolloutNew ||
			*next.RolledBack != (store.Rollback{FromRevision: 3, FromHash: hashOf(v3), ToRevision: 2, At: t0}) {
			t.Fatalf("record after the rollback: %+v, %+v", next, next.RolledBack)
		}
		// v2 fails too: no rollback to v3.
		next.State = store.RolloutTimedOut
		if rev, ok := rollbackTarget(next, back, nil, true); ok {
			t.Fatalf("a template a rollback put back rolled back to %d", rev.Number)
		}
		// A user's new apply starts over.
		again := nextRollout(next, v3, nil, scheduler.DeploymentCounts{}, t0.Add(time.Hour))
		if again.RolledBack != nil || again.CurrentRevision() != 5 {
			t.Fatalf("after a new apply: %+v", again)
		}
	})
}

// TestPlanRollouts: the records are written only when they change, deleted with their
// Deployment, and a rollback writes the Deployment with the lineage of the value it
// replaces, as an apply does.
func TestPlanRollouts(t *testing.T) {
	v1, v2 := webDeployment("img:1", 1, deadline(10)), webDeployment("img:2", 1, deadline(10), annotated("true"))
	st := &store.State{Deployments: map[string]*appsv1.Deployment{"default/web": v2}, Rollouts: map[string]store.Rollout{}}
	var rec store.Rollout
	rec = nextRollout(rec, v1, nil, scheduler.DeploymentCounts{Updated: 1, Available: 1}, t0)
	rec = nextRollout(rec, v2, nil, scheduler.DeploymentCounts{Updated: 1, Old: 1, AllAvailable: 1}, t0)
	st.Rollouts["default/web"] = rec
	st.Rollouts["default/gone"] = rec
	out := scheduler.Output{Deployments: map[string]scheduler.DeploymentCounts{"default/web": {Updated: 1, Old: 1, AllAvailable: 1}}}
	stored := store.MustJSON(v2)
	entry := cluster.Entry{Key: "deployment/default/web", Value: stored, Version: cluster.Version{Node: "n1", Time: 7}}
	live := func(key string) (cluster.Entry, bool) { return entry, key == entry.Key }

	p, err := planRollouts(st, out, t0.Add(5*time.Second), false, live)
	if err != nil || len(p.rollbacks) != 0 || len(p.changes) != 1 || p.changes[0].key != "revision/default/gone" || !p.changes[0].delete {
		t.Fatalf("before the deadline: %+v, %v", p, err)
	}
	if want := t0.Add(10*time.Second + time.Millisecond); !p.recheckAt.Equal(want) {
		t.Fatalf("recheck at %s; want %s", p.recheckAt, want)
	}

	p, err = planRollouts(st, out, t0.Add(11*time.Second), false, live)
	if err != nil || len(p.rollbacks) != 1 || p.rollbacks[0].ToRevision != 1 {
		t.Fatalf("after the deadline: %+v, %v", p, err)
	}
	var wrote *appsv1.Deployment
	for _, c := range p.changes {
		if c.key == "deployment/default/web" {
			wrote = &appsv1.Deployment{}
			if err := json.Unmarshal(c.value, wrote); err != nil {
				t.Fatal(err)
			}
		}
	}
	if wrote == nil || !reflect.DeepEqual(wrote.Spec.Template, v1.Spec.Template) || wrote.ResourceVersion != "seen:n1=7" ||
		wrote.Annotations[AnnotationRollbackOnFailure] != "true" {
		t.Fatalf("deployment written back: %+v", wrote)
	}
	if got := rollbackMessage("web", 2); got != `Rolled back deployment "web" to revision 2` {
		t.Fatalf("message %q", got)
	}
}

// TestRollingOut: the planner is told which Deployments roll out from their records: a
// template change not complete yet, for the current template.
func TestRollingOut(t *testing.T) {
	v1, v2 := webDeployment("img:1", 1), webDeployment("img:2", 1)
	first := nextRollout(store.Rollout{}, v1, nil, scheduler.DeploymentCounts{}, t0)
	second := nextRollout(first, v2, nil, scheduler.DeploymentCounts{}, t0)
	done := second
	done.State = store.RolloutComplete
	timedOut := second
	timedOut.State = store.RolloutTimedOut
	for _, tt := range []struct {
		name string
		d    *appsv1.Deployment
		rec  *store.Rollout
		want bool
	}{
		{name: "no record", d: v2},
		{name: "first template", d: v1, rec: &first},
		{name: "template change under way", d: v2, rec: &second, want: true},
		{name: "timed out", d: v2, rec: &timedOut, want: true},
		{name: "complete", d: v2, rec: &done},
		{name: "record of another template", d: webDeployment("img:3", 1), rec: &second},
	} {
		st := &store.State{Deployments: map[string]*appsv1.Deployment{"default/web": tt.d}, Rollouts: map[string]store.Rollout{}}
		if tt.rec != nil {
			st.Rollouts["default/web"] = *tt.rec
		}
		if got := rollingOut(st)["default/web"]; got != tt.want {
			t.Errorf("%s: rolling out = %v; want %v", tt.name, got, tt.want)
		}
	}
}

func TestSameRollout(t *testing.T) {
	v1, v2 := webDeployment("img:1", 1), webDeployment("img:2", 1)
	a := nextRollout(store.Rollout{}, v1, nil, scheduler.DeploymentCounts{}, t0)
	if !sameRollout(a, nextRollout(a, v1, nil, scheduler.DeploymentCounts{}, t0)) {
		t.Error("an unchanged record differs")
	}
	b := nextRollout(a, v2, nil, scheduler.DeploymentCounts{}, t0)
	c := a
	c.Progress.Available = 1
	d := a
	d.RolledBack = &store.Rollback{ToRevision: 1}
	for _, other := range []store.Rollout{b, c, d} {
		if sameRollout(a, other) {
			t.Errorf("%+v and %+v are the same", a, other)
		}
	}
}
