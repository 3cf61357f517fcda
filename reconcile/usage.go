package reconcile

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strconv"
	"strings"
)

// ContainerCgroup is where the figures of one container of a pod this node runs are: its
// cgroup (v2) folder.
type ContainerCgroup struct {
	PodKey, Container string
	Dir               string
}

// CgroupCounters are a cgroup's running totals: CPU time used so far and memory in use.
type CgroupCounters struct {
	CPUMicros   uint64
	MemoryBytes uint64
}

// NodeCounters are the node's running totals from /proc: CPU time in clock ticks, busy
// (neither idle nor waiting for I/O) and in all, the number of CPUs, and memory.
type NodeCounters struct {
	CPUBusy, CPUTotal uint64
	CPUs              int
	MemoryTotal       uint64
	MemoryAvailable   uint64
}

// cgroupRoot is where the cgroup v2 hierarchy is mounted.
const cgroupRoot = "/sys/fs/cgroup"

// ContainerCgroups finds the cgroup of every running container (init containers aside) of
// the pods this node runs, from each one's main process. A container that does not run is
// left out.
func (r *Reconciler) ContainerCgroups(ctx context.Context) ([]ContainerCgroup, error) {
	r.mu.Lock()
	pods := make([]DesiredPod, 0, len(r.desired))
	keys := make([]string, 0, len(r.desired))
	for k, d := range r.desired {
		keys, pods = append(keys, k), append(pods, d)
	}
	r.mu.Unlock()
	var out []ContainerCgroup
	for i, d := range pods {
		for _, c := range d.Containers {
			if c.Init {
				continue
			}
			pid, err := runPodman(ctx, "inspect", "--type", "container", "--format", "{{.State.Pid}}", containerName(c))
			if err != nil {
				continue // not created yet, or gone
			}
			n, err := strconv.Atoi(strings.TrimSpace(pid))
			if err != nil || n <= 0 {
				continue
			}
			data, err := os.ReadFile(fmt.Sprintf("/proc/%d/cgroup", n))
			if err != nil {
				continue // it ended in between
			}
			path, err := UnifiedCgroup(data)
			if err != nil {
				return nil, fmt.Errorf("find the cgroup of container %s: %w", containerName(c), err)
			}
			out = append(out, ContainerCgroup{PodKey: keys[i], Container: c.Name, Dir: filepath.Join(cgroupRoot, path)})
		}
	}
	return out, nil
}

// UnifiedCgroup returns the cgroup v2 path in the contents of /proc/PID/cgroup.
func UnifiedCgroup(procCgroup []byte) (string, error) {
	for line := range strings.SplitSeq(string(procCgroup), "\n") {
		if path, ok := strings.CutPrefix(line, "0::"); ok && path != "" {
			return path, nil
		}
	}
	return "", errors.New("no cgroup v2 path: the node's figures need the unified cgroup hierarchy")
}

// ReadCgroup reads a cgroup v2 folder's CPU time (cpu.stat's usage_usec) and memory in
// use (memory.current), with the processes under proc (/proc).
func ReadCgroup(dir, proc string) (CgroupCounters, error) {
	stat, err := os.ReadFile(filepath.Join(dir, "cpu.stat"))
	if err != nil {
		return CgroupCounters{}, fmt.Errorf("read the cgroup's CPU time: %w", err)
	}
	var c CgroupCounters
	if c.CPUMicros, err = statField(stat, "usage_usec"); err != nil {
		return CgroupCounters{}, fmt.Errorf("read %s: %w", filepath.Join(dir, "cpu.stat"), err)
	}
	mem, err := os.ReadFile(filepath.Join(dir, "memory.current"))
	switch {
	case errors.Is(err, fs.ErrNotExist):
		// No memory controller here: the user's systemd was not delegated it, or the
		// kernel keeps it on a cgroup v1 hierarchy. The resident memory of the cgroup's
		// processes is the next best figure.
		if c.MemoryBytes, err = residentMemory(dir, proc); err != nil {
			return CgroupCounters{}, err
		}
	case err != nil:
		return CgroupCounters{}, fmt.Errorf("read the cgroup's memory: %w", err)
	default:
		if c.MemoryBytes, err = strconv.ParseUint(strings.TrimSpace(string(mem)), 10, 64); err != nil {
			return CgroupCounters{}, fmt.Errorf("read %s: %w", filepath.Join(dir, "memory.current"), err)
		}
	}
	return c, nil
}

// residentMemory adds up the resident memory (VmRSS of /proc/PID/status) of the processes
// in a cgroup and the cgroups below it. A process that ended meanwhile counts for nothing.
func residentMemory(dir, proc string) (uint64, error) {
	var total uint64
	err := filepath.WalkDir(dir, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() || d.Name() != "cgroup.procs" {
			return nil
		}
		pids, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		for _, pid := range strings.Fields(string(pids)) {
			status, err := os.ReadFile(filepath.Join(proc, pid, "status"))
			if err != nil {
				continue
			}
			if kb, err := statusKB(status, "VmRSS"); err == nil {
				total += kb * 1024
			}
		}
		return nil
	})
	if err != nil {
		return 0, fmt.Errorf("read the memory of the processes of %s: %w", dir, err)
	}
	return total, nil
}

// statusKB reads a "NAME:   N kB" line of /proc/PID/status. A kernel thread has no VmRSS.
func statusKB(status []byte, name string) (uint64, error) {
	for line := range strings.SplitSeq(string(status), "\n") {
		if k, v, ok := strings.Cut(line, ":"); ok && k == name {
			return strconv.ParseUint(strings.TrimSuffix(strings.TrimSpace(v), " kB"), 10, 64)
		}
	}
	return 0, fmt.Errorf("no %s", name)
}

// statField returns the value of the "NAME VALUE" line of a flat keyed file.
func statField(data []byte, name string) (uint64, error) {
	sc := bufio.NewScanner(bytes.NewReader(data))
	for sc.Scan() {
		if k, v, ok := strings.Cut(sc.Text(), " "); ok && k == name {
			return strconv.ParseUint(strings.TrimSpace(v), 10, 64)
		}
	}
	return 0, fmt.Errorf("no %s", name)
}

// ReadNode reads the node's CPU times (/proc/stat) and memory (/proc/meminfo) under proc.
func ReadNode(proc string) (NodeCounters, error) {
	stat, err := os.ReadFile(filepath.Join(proc, "stat"))
	if err != nil {
		return NodeCounters{}, fmt.Errorf("read the node's CPU times: %w", err)
	}
	n, err := ParseProcStat(stat)
	if err != nil {
		return NodeCounters{}, err
	}
	meminfo, err := os.ReadFile(filepath.Join(proc, "meminfo"))
	if err != nil {
		return NodeCounters{}, fmt.Errorf("read the node's memory: %w", err)
	}
	if n.MemoryTotal, n.MemoryAvailable, err = ParseMeminfo(meminfo); err != nil {
		return NodeCounters{}, err
	}
	return n, nil
}

// ParseProcStat reads the CPU times of /proc/stat: the "cpu" line's ticks, busy and in
// all, and the number of "cpuN" lines.
func ParseProcStat(data []byte) (NodeCounters, error) {
	var n NodeCounters
	found := false
	for line := range strings.SplitSeq(string(data), "\n") {
		fields := strings.Fields(line)
		if len(fields) == 0 || !strings.HasPrefix(fields[0], "cpu") {
			continue
		}
		if fields[0] != "cpu" {
			n.CPUs++
			continue
		}
		// user nice system idle iowait irq softirq steal; guest times are within user's.
		for i, f := range fields[1:min(len(fields), 9)] {
			v, err := strconv.ParseUint(f, 10, 64)
			if err != nil {
				return NodeCounters{}, fmt.Errorf("read /proc/stat: %q: %w", line, err)
			}
			n.CPUTotal += v
			if i != 3 && i != 4 {
				n.CPUBusy += v
			}
		}
		found = len(fields) >= 5
	}
	if !found || n.CPUs == 0 {
		return NodeCounters{}, errors.New("read /proc/stat: no cpu lines")
	}
	return n, nil
}

// ParseMeminfo reads MemTotal and MemAvailable of /proc/meminfo, in bytes.
func ParseMeminfo(data []byte) (total, available uint64, err error) {
	var haveTotal, haveAvailable bool
	for line := range strings.SplitSeq(string(data), "\n") {
		k, v, ok := strings.Cut(line, ":")
		if !ok || k != "MemTotal" && k != "MemAvailable" {
			continue
		}
		kb, err := strconv.ParseUint(strings.TrimSuffix(strings.TrimSpace(v), " kB"), 10, 64)
		if err != nil {
			return 0, 0, fmt.Errorf("read /proc/meminfo: %q: %w", line, err)
		}
		if k == "MemTotal" {
			total, haveTotal = kb*1024, true
		} else {
			available, haveAvailable = kb*1024, true
		}
	}
	if !haveTotal || !haveAvailable {
		return 0, 0, errors.New("read /proc/meminfo: no MemTotal or MemAvailable")
	}
	return total, available, nil
}
