package apiserver

import (
	"context"
	"os"
	"path/filepath"
	"reflect"
	"testing"
	"time"

	"github.com/podman-swarm/podman-swarm/api"
	"github.com/podman-swarm/podman-swarm/reconcile"
)

func TestUsageBetweenGivesRatesAndTheLastMemory(t *testing.T) {
	web := reconcile.ContainerCgroup{PodKey: "default/web-1", Container: "app", Dir: "/a"}
	side := reconcile.ContainerCgroup{PodKey: "default/web-1", Container: "side", Dir: "/b"}
	db := reconcile.ContainerCgroup{PodKey: "data/db-0", Container: "db", Dir: "/c"}
	late := reconcile.ContainerCgroup{PodKey: "default/late", Container: "x", Dir: "/d"}
	first := usageSample{
		node: reconcile.NodeCounters{CPUBusy: 1000, CPUTotal: 10000, CPUs: 4, MemoryTotal: 8 << 30, MemoryAvailable: 6 << 30},
		containers: map[reconcile.ContainerCgroup]reconcile.CgroupCounters{
			web: {CPUMicros: 1_000_000, MemoryBytes: 10 << 20}, side: {CPUMicros: 5, MemoryBytes: 1 << 20}, db: {CPUMicros: 0, MemoryBytes: 0},
		},
	}
	second := usageSample{
		node: reconcile.NodeCounters{CPUBusy: 1100, CPUTotal: 10400, CPUs: 4, MemoryTotal: 8 << 30, MemoryAvailable: 5 << 30},
		containers: map[reconcile.ContainerCgroup]reconcile.CgroupCounters{
			web: {CPUMicros: 1_250_000, MemoryBytes: 20 << 20}, side: {CPUMicros: 5, MemoryBytes: 2 << 20}, db: {CPUMicros: 2_000_000, MemoryBytes: 100 << 20},
			late: {CPUMicros: 7, MemoryBytes: 7}, // not in the first sample: no rate to give
		},
	}
	got := usageBetween("n1", first, second, time.Second)
	want := api.NodeUsage{
		Node: "n1", WindowSeconds: 1,
		// 100 of 400 ticks busy, of 4 CPUs.
		CPUMillicores: 1000, CPUCapacityMillicores: 4000,
		MemoryBytes: 3 << 30, MemoryCapacityBytes: 8 << 30,
		Pods: []api.PodUsage{
			{Namespace: "data", Name: "db-0", Containers: []api.ContainerUsage{{Name: "db", CPUMillicores: 2000, MemoryBytes: 100 << 20}}},
			{Namespace: "default", Name: "web-1", Containers: []api.ContainerUsage{
				{Name: "app", CPUMillicores: 250, MemoryBytes: 20 << 20}, {Name: "side", CPUMillicores: 0, MemoryBytes: 2 << 20}}},
		},
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("got  %+v\nwant %+v", got, want)
	}
}

type cgroupList []reconcile.ContainerCgroup

func (l cgroupList) ContainerCgroups(context.Context) ([]reconcile.ContainerCgroup, error) {
	return l, nil
}

func TestMeasureUsageReadsProcAndCgroupFiles(t *testing.T) {
	dir := t.TempDir()
	for name, data := range map[string]string{"cpu.stat": "usage_usec 42\n", "memory.current": "1048576\n"} {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(data), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	src := cgroupList{{PodKey: "default/p", Container: "c", Dir: dir}, {PodKey: "default/gone", Container: "c", Dir: filepath.Join(dir, "gone")}}
	u, err := measureUsage(context.Background(), "n1", "/proc", src, 10*time.Millisecond)
	if err != nil {
		t.Fatal(err)
	}
	if u.Node != "n1" || u.CPUCapacityMillicores < 1000 || u.MemoryCapacityBytes <= 0 || u.MemoryBytes <= 0 || u.MemoryBytes > u.MemoryCapacityBytes ||
		u.CPUMillicores < 0 || u.CPUMillicores > u.CPUCapacityMillicores {
		t.Errorf("node: %+v", u)
	}
	want := []api.PodUsage{{Namespace: "default", Name: "p", Containers: []api.ContainerUsage{{Name: "c", CPUMillicores: 0, MemoryBytes: 1 << 20}}}}
	if !reflect.DeepEqual(u.Pods, want) {
		t.Errorf("pods: %+v", u.Pods)
	}
	if _, err := measureUsage(context.Background(), "n1", t.TempDir(), nil, time.Millisecond); err == nil {
		t.Error("a node without /proc was measured")
	}
}
