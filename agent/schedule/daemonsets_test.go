package schedule

import (
	"encoding/json"
	"reflect"
	"testing"

	appsv1 "k8s.io/api/apps/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/podman-swarm/podman-swarm/agent/store"
	"github.com/podman-swarm/podman-swarm/scheduler"
)

func TestDaemonSetStatusChanges(t *testing.T) {
	ds := func(name string) *appsv1.DaemonSet {
		return &appsv1.DaemonSet{ObjectMeta: metav1.ObjectMeta{Namespace: "default", Name: name}}
	}
	st := &store.State{
		DaemonSets: map[string]*appsv1.DaemonSet{"default/same": ds("same"), "default/moved": ds("moved"), "default/new": ds("new")},
		DaemonSetStatus: map[string]appsv1.DaemonSetStatus{
			"default/same":    daemonSetStatus(scheduler.DaemonSetCounts{Desired: 2, Current: 2}),
			"default/moved":   daemonSetStatus(scheduler.DaemonSetCounts{Desired: 2, Current: 1}),
			"default/deleted": daemonSetStatus(scheduler.DaemonSetCounts{Desired: 1}),
		},
	}
	out := scheduler.Output{DaemonSets: map[string]scheduler.DaemonSetCounts{
		"default/same":  {Desired: 2, Current: 2},
		"default/moved": {Desired: 3, Current: 3, Ready: 2, UpToDate: 3, Available: 1},
		"default/new":   {Desired: 1},
	}}
	got := map[string]change{}
	for _, c := range daemonSetStatusChanges(st, out) {
		got[c.key] = c
	}
	if len(got) != 3 {
		t.Fatalf("changes = %+v, want the moved, the new and the deleted DaemonSet's", got)
	}
	if c := got[store.DaemonSetStatusKey("default/deleted")]; !c.delete {
		t.Errorf("the deleted DaemonSet's status: %+v, want deleted", c)
	}
	var s appsv1.DaemonSetStatus
	if err := json.Unmarshal(got[store.DaemonSetStatusKey("default/moved")].value, &s); err != nil {
		t.Fatal(err)
	}
	want := appsv1.DaemonSetStatus{DesiredNumberScheduled: 3, CurrentNumberScheduled: 3, NumberReady: 2, UpdatedNumberScheduled: 3,
		NumberAvailable: 1, NumberUnavailable: 2}
	if !reflect.DeepEqual(s, want) {
		t.Errorf("status = %+v, want %+v", s, want)
	}
	if _, ok := got[store.DaemonSetStatusKey("default/new")]; !ok {
		t.Error("the new DaemonSet's status is not written")
	}
}
