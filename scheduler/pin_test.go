package scheduler

import (
	"reflect"
	"strings"
	"testing"
	"time"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
)

// withVolume gives a pod spec's first container a volume mounted at /data.
func withVolume(spec *corev1.PodSpec, v corev1.Volume, readOnly bool) {
	spec.Volumes = append(spec.Volumes, v)
	c := &spec.Containers[0]
	c.VolumeMounts = append(c.VolumeMounts, corev1.VolumeMount{Name: v.Name, MountPath: "/" + v.Name, ReadOnly: readOnly})
}

func hostPathVolume(name, path string) corev1.Volume {
	return corev1.Volume{Name: name, VolumeSource: corev1.VolumeSource{HostPath: &corev1.HostPathVolumeSource{Path: path}}}
}

func emptyDirVolume(name string) corev1.Volume {
	return corev1.Volume{Name: name, VolumeSource: corev1.VolumeSource{EmptyDir: &corev1.EmptyDirVolumeSource{}}}
}

// hostData gives a Deployment's pods a writable hostPath volume at path.
func hostData(path string) func(*appsv1.Deployment) {
	return func(d *appsv1.Deployment) { withVolume(&d.Spec.Template.Spec, hostPathVolume("data", path), false) }
}

func TestPinned(t *testing.T) {
	spec := func(build func(s *corev1.PodSpec)) *corev1.PodSpec {
		s := &corev1.PodSpec{Containers: []corev1.Container{{Name: "app", Image: "example.org/app:1"}}}
		build(s)
		return s
	}
	tests := []struct {
		name string
		spec *corev1.PodSpec
		want []string
	}{
		{"no volumes", spec(func(*corev1.PodSpec) {}), nil},
		{"writable hostPath", spec(func(s *corev1.PodSpec) { withVolume(s, hostPathVolume("db", "/srv/db"), false) }), []string{"hostPath /srv/db"}},
		{"readOnly hostPath", spec(func(s *corev1.PodSpec) { withVolume(s, hostPathVolume("certs", "/etc/ssl"), true) }), nil},
		{"emptyDir", spec(func(s *corev1.PodSpec) { withVolume(s, emptyDirVolume("scratch"), false) }), nil},
		{"hostPath mounted by no container", spec(func(s *corev1.PodSpec) {
			s.Volumes = append(s.Volumes, hostPathVolume("db", "/srv/db"))
		}), nil},
		{"readOnly in one container, writable in an init container", spec(func(s *corev1.PodSpec) {
			withVolume(s, hostPathVolume("db", "/srv/db"), true)
			s.InitContainers = []corev1.Container{{Name: "init", Image: "example.org/init:1",
				VolumeMounts: []corev1.VolumeMount{{Name: "db", MountPath: "/db"}}}}
		}), []string{"hostPath /srv/db"}},
		{"several, in spec order", spec(func(s *corev1.PodSpec) {
			withVolume(s, hostPathVolume("logs", "/var/log/app"), false)
			withVolume(s, emptyDirVolume("tmp"), false)
			withVolume(s, hostPathVolume("db", "/srv/db"), false)
		}), []string{"hostPath /var/log/app", "hostPath /srv/db"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := Pinned(tt.spec); !reflect.DeepEqual(got, tt.want) {
				t.Errorf("Pinned = %q; want %q", got, tt.want)
			}
		})
	}
}

// A pinned pod whose node is gone stays assigned there, is listed as pending with what
// brings it back, and is not placed anywhere else; only the node's removal releases it.
func TestPinnedPodStaysWithItsNode(t *testing.T) {
	db := deploy("db", 2, hostData("/srv/db"))
	const why = "its data is on node x (hostPath /srv/db) and "
	tests := []struct {
		name    string
		node    Node
		pending string // reason; "" when the pod runs on
		moves   string // removal reason, when the pod moves
	}{
		{name: "alive", node: alive("x")},
		{name: "dead within grace", node: inState("x", NodeDead, grace-time.Second)},
		{name: "dead for good", node: inState("x", NodeDead, time.Hour),
			pending: why + "x is dead; it runs again when x returns, or once x is removed from the cluster"},
		{name: "left", node: inState("x", NodeLeft, 0),
			pending: why + "x left; it runs again when x returns, or once x is removed from the cluster"},
		{name: "not a member", node: inState("elsewhere", NodeSuspect, 0),
			pending: why + "x is not a member; it runs again when x returns, or once x is removed from the cluster"},
		{name: "removed", node: inState("x", NodeRemoved, 0), moves: "node x was removed from the cluster"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			in := input([]Node{alive("a"), tt.node}, []*appsv1.Deployment{db}, on(db, 0, "a"), on(db, 1, "x"))
			out := Plan(in)
			if tt.moves != "" {
				if got := placement(out.Create); !reflect.DeepEqual(got, map[string]string{key(db, 1): "a"}) {
					t.Fatalf("created %v; want %s on a", got, key(db, 1))
				}
				if len(out.Delete) != 1 || out.Delete[0].Reason != tt.moves {
					t.Fatalf("deleted %+v; want %s off x: %s", out.Delete, key(db, 1), tt.moves)
				}
				mustBeFixedPoint(t, in, out)
				return
			}
			if !out.Empty() {
				t.Fatalf("plan creates %v, deletes %v; want nothing", keys(out.Create), removedKeys(out.Delete))
			}
			var pending []Pending
			if tt.pending != "" {
				pending = []Pending{{Pod: on(db, 1, "x").Pod, Reason: tt.pending, Node: "x"}}
			}
			if !reflect.DeepEqual(out.Pending, pending) {
				t.Fatalf("pending = %+v; want %+v", out.Pending, pending)
			}
			if again := Plan(in); !reflect.DeepEqual(again.Pending, out.Pending) {
				t.Fatalf("pending changed between two plans of the same input: %+v", again.Pending)
			}
		})
	}
}

// Only what pins moves nothing: a readOnly hostPath or an emptyDir leaves the pod free to
// move off a gone node like any other.
func TestUnpinnedVolumesMove(t *testing.T) {
	for _, build := range []func(*appsv1.Deployment){
		func(d *appsv1.Deployment) {
			withVolume(&d.Spec.Template.Spec, hostPathVolume("certs", "/etc/ssl"), true)
		},
		func(d *appsv1.Deployment) { withVolume(&d.Spec.Template.Spec, emptyDirVolume("scratch"), false) },
	} {
		web := deploy("web", 1, build)
		in := input([]Node{alive("a"), inState("x", NodeLeft, 0)}, []*appsv1.Deployment{web}, on(web, 0, "x"))
		out := Plan(in)
		if got := placement(out.Create); !reflect.DeepEqual(got, map[string]string{key(web, 0): "a"}) {
			t.Errorf("%v: created %v; want the pod moved to a", web.Spec.Template.Spec.Volumes, got)
		}
	}
}

// A stranded replica still counts: the Deployment starts no other in its place.
func TestStrandedReplicaCounts(t *testing.T) {
	db := deploy("db", 3, hostData("/srv/db"))
	in := input([]Node{alive("a"), alive("b"), inState("x", NodeDead, time.Hour)}, []*appsv1.Deployment{db},
		on(db, 0, "a"), on(db, 1, "b"), on(db, 2, "x"))
	out := Plan(in)
	if !out.Empty() || len(out.Pending) != 1 || out.Pending[0].Pod.Key() != key(db, 2) {
		t.Fatalf("plan = creates %v, deletes %v, pending %+v; want only %s pending", keys(out.Create), removedKeys(out.Delete), out.Pending, key(db, 2))
	}
	// Scaling down takes the stranded replica first: nothing runs it.
	db2 := deploy("db", 2, hostData("/srv/db"))
	in.Deployments = []*appsv1.Deployment{db2}
	out = Plan(in)
	if len(out.Create) != 0 || !reflect.DeepEqual(removedKeys(out.Delete), []string{key(db, 2)}) || len(out.Pending) != 0 {
		t.Fatalf("scale down = creates %v, deletes %v, pending %+v; want %s deleted", keys(out.Create), removedKeys(out.Delete), out.Pending, key(db, 2))
	}
}

func TestPinnedBarePod(t *testing.T) {
	db := barePodManifest("db", 5432)
	withVolume(&db.Spec, hostPathVolume("data", "/srv/db"), false)

	// Its node gone: pending, with the command that releases it.
	in := bareInput([]Node{alive("a"), inState("x", NodeDead, time.Hour)}, []*corev1.Pod{db}, bareOn(db, "x"))
	out := Plan(in)
	want := `its data is on node x (hostPath /srv/db) and x is dead; it runs again when x returns, or after "swarm delete pod db" or once x is removed from the cluster`
	if !out.Empty() || len(out.Pending) != 1 || out.Pending[0].Reason != want {
		t.Fatalf("plan = creates %v, deletes %v, pending %+v; want db pending: %s", keys(out.Create), removedKeys(out.Delete), out.Pending, want)
	}

	// Changed while its node is gone, and still pinned: the change is written in place, for
	// the node to run when it returns.
	changed := db.DeepCopy()
	changed.Spec.Containers[0].Image = "example.org/db:2"
	in.Pods = []*corev1.Pod{changed}
	out = Plan(in)
	if got := placement(out.Create); !reflect.DeepEqual(got, map[string]string{"default/db": "x"}) || len(out.Delete) != 0 {
		t.Fatalf("changed: creates %v, deletes %v; want db rewritten on x", got, removedKeys(out.Delete))
	}
	if len(out.Pending) != 1 || out.Pending[0].Reason != want || out.Pending[0].Pod.Spec.Containers[0].Image != "example.org/db:2" {
		t.Fatalf("changed: pending %+v; want the new pod pending: %s", out.Pending, want)
	}
	mustBeFixedPoint(t, in, out)

	// Changed so that it keeps nothing on its gone node: it moves.
	free := barePodManifest("db", 5432)
	in.Pods = []*corev1.Pod{free}
	out = Plan(in)
	if got := placement(out.Create); !reflect.DeepEqual(got, map[string]string{"default/db": "a"}) || len(out.Delete) != 1 || len(out.Pending) != 0 {
		t.Fatalf("unpinned: creates %v, deletes %+v, pending %+v; want db moved to a", got, out.Delete, out.Pending)
	}
	mustBeFixedPoint(t, in, out)
}

// A pinned bare pod on an alive node whose change no longer fits that node keeps running
// there unchanged, rather than move away from its data.
func TestPinnedBarePodChangeThatDoesNotFit(t *testing.T) {
	db := barePodManifest("db")
	withVolume(&db.Spec, hostPathVolume("data", "/srv/db"), false)
	moved := db.DeepCopy()
	moved.Spec.NodeSelector = map[string]string{"disk": "ssd"}
	in := bareInput([]Node{alive("a"), alive("b", "disk", "ssd")}, []*corev1.Pod{moved}, bareOn(db, "a"))
	out := Plan(in)
	if !out.Empty() {
		t.Fatalf("plan creates %v, deletes %v; want nothing", keys(out.Create), removedKeys(out.Delete))
	}
	if len(out.Pending) != 1 || !strings.HasPrefix(out.Pending[0].Reason, "pod changed and no longer fits node a, but its data is on a (hostPath /srv/db)") {
		t.Fatalf("pending = %+v; want the change waiting, with why", out.Pending)
	}
	if again := Plan(in); !reflect.DeepEqual(again, out) {
		t.Fatalf("second plan differs: %+v", again)
	}
}
