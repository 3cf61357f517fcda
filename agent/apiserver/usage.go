package apiserver

import (
	"cmp"
	"context"
	"fmt"
	"net/http"
	"slices"
	"strings"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/podman-swarm/podman-swarm/api"
	"github.com/podman-swarm/podman-swarm/reconcile"
)

// PodUsageSource finds the cgroups of the containers of this node's pods: the reconciler
// with podman, or what a test puts in its place.
type PodUsageSource interface {
	ContainerCgroups(ctx context.Context) ([]reconcile.ContainerCgroup, error)
}

// usageWindow is how long CPU use is measured over: long enough to mean something, short
// enough for a command to wait for.
const usageWindow = time.Second

// nodeUsage answers what a node and its pods' containers use, measured by that node.
func (a *Server) nodeUsage(c echo.Context) error {
	name := c.Param("name")
	known := false
	for _, m := range a.node.Members() {
		known = known || m.Name == name
	}
	if !known {
		return echo.NewHTTPError(http.StatusNotFound, fmt.Sprintf("node %q not found", name))
	}
	if done, err := a.forward(c, name); done {
		return err
	}
	u, err := measureUsage(c.Request().Context(), a.cfg.NodeName, "/proc", a.usage, usageWindow)
	if err != nil {
		return echo.NewHTTPError(http.StatusInternalServerError, err.Error())
	}
	return c.JSON(http.StatusOK, u)
}

// usageSample is the running totals at one moment.
type usageSample struct {
	node       reconcile.NodeCounters
	containers map[reconcile.ContainerCgroup]reconcile.CgroupCounters
}

// sampleUsage reads the node's totals and those of cgroups; a cgroup gone in between is
// left out.
func sampleUsage(proc string, cgroups []reconcile.ContainerCgroup) (usageSample, error) {
	n, err := reconcile.ReadNode(proc)
	if err != nil {
		return usageSample{}, err
	}
	s := usageSample{node: n, containers: map[reconcile.ContainerCgroup]reconcile.CgroupCounters{}}
	for _, cg := range cgroups {
		if c, err := reconcile.ReadCgroup(cg.Dir, proc); err == nil {
			s.containers[cg] = c
		}
	}
	return s, nil
}

// measureUsage samples twice, window apart, and gives the rates between and the memory at
// the end. src may be nil (a node that runs no pods).
func measureUsage(ctx context.Context, node, proc string, src PodUsageSource, window time.Duration) (api.NodeUsage, error) {
	var cgroups []reconcile.ContainerCgroup
	if src != nil {
		var err error
		if cgroups, err = src.ContainerCgroups(ctx); err != nil {
			return api.NodeUsage{}, fmt.Errorf("measure the node's use: %w", err)
		}
	}
	start := time.Now()
	first, err := sampleUsage(proc, cgroups)
	if err != nil {
		return api.NodeUsage{}, fmt.Errorf("measure the node's use: %w", err)
	}
	select {
	case <-time.After(window):
	case <-ctx.Done():
		return api.NodeUsage{}, ctx.Err()
	}
	second, err := sampleUsage(proc, cgroups)
	if err != nil {
		return api.NodeUsage{}, fmt.Errorf("measure the node's use: %w", err)
	}
	return usageBetween(node, first, second, time.Since(start)), nil
}

// usageBetween turns two samples, elapsed apart, into a NodeUsage.
func usageBetween(node string, first, second usageSample, elapsed time.Duration) api.NodeUsage {
	n1, n2 := first.node, second.node
	cores := int64(n2.CPUs) * 1000
	u := api.NodeUsage{
		Node:                  node,
		WindowSeconds:         elapsed.Seconds(),
		CPUCapacityMillicores: cores,
		MemoryBytes:           int64(n2.MemoryTotal - n2.MemoryAvailable),
		MemoryCapacityBytes:   int64(n2.MemoryTotal),
	}
	// The share of ticks that were busy, of every CPU: no need to know the tick's length.
	if total := n2.CPUTotal - n1.CPUTotal; n2.CPUTotal > n1.CPUTotal && n2.CPUBusy >= n1.CPUBusy {
		u.CPUMillicores = int64((n2.CPUBusy - n1.CPUBusy) * uint64(cores) / total)
	}
	pods := map[string]*api.PodUsage{}
	for cg, end := range second.containers {
		begin, ok := first.containers[cg]
		if !ok {
			continue
		}
		ns, name, _ := strings.Cut(cg.PodKey, "/")
		p := pods[cg.PodKey]
		if p == nil {
			p = &api.PodUsage{Namespace: ns, Name: name}
			pods[cg.PodKey] = p
		}
		var cpu int64
		if end.CPUMicros > begin.CPUMicros && elapsed > 0 {
			cpu = int64(float64(end.CPUMicros-begin.CPUMicros) / float64(elapsed.Microseconds()) * 1000)
		}
		p.Containers = append(p.Containers, api.ContainerUsage{Name: cg.Container, CPUMillicores: cpu, MemoryBytes: int64(end.MemoryBytes)})
	}
	for _, p := range pods {
		slices.SortFunc(p.Containers, func(a, b api.ContainerUsage) int { return cmp.Compare(a.Name, b.Name) })
		u.Pods = append(u.Pods, *p)
	}
	slices.SortFunc(u.Pods, func(a, b api.PodUsage) int {
		return cmp.Or(cmp.Compare(a.Namespace, b.Namespace), cmp.Compare(a.Name, b.Name))
	})
	return u
}
