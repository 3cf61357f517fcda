package reconcile

import (
	"os"
	"path/filepath"
	"testing"
)

func TestParseProcStat(t *testing.T) {
	stat := "cpu  100 5 50 1000 20 3 2 1 7 0\ncpu0 50 2 25 500 10 1 1 0 3 0\ncpu1 50 3 25 500 10 2 1 1 4 0\nintr 1 2 3\nctxt 99\n"
	n, err := ParseProcStat([]byte(stat))
	// busy: user nice system irq softirq steal; idle and iowait are not; guest is in user.
	if err != nil || n.CPUBusy != 100+5+50+3+2+1 || n.CPUTotal != 100+5+50+1000+20+3+2+1 || n.CPUs != 2 {
		t.Errorf("%+v %v", n, err)
	}
	for _, bad := range []string{"", "intr 1\n", "cpu  1 x 3 4\ncpu0 1 2 3 4\n", "cpu  1 2 3 4\n"} {
		if _, err := ParseProcStat([]byte(bad)); err == nil {
			t.Errorf("%q was read", bad)
		}
	}
}

func TestParseMeminfo(t *testing.T) {
	total, avail, err := ParseMeminfo([]byte("MemTotal:       16000 kB\nMemFree:        1000 kB\nMemAvailable:    4000 kB\n"))
	if err != nil || total != 16000*1024 || avail != 4000*1024 {
		t.Errorf("%d %d %v", total, avail, err)
	}
	if _, _, err := ParseMeminfo([]byte("MemTotal: 1 kB\n")); err == nil {
		t.Error("a meminfo without MemAvailable was read")
	}
}

func TestReadNodeFromProc(t *testing.T) {
	n, err := ReadNode("/proc")
	if err != nil {
		t.Fatal(err)
	}
	if n.CPUs < 1 || n.CPUTotal < n.CPUBusy || n.MemoryTotal == 0 || n.MemoryAvailable > n.MemoryTotal {
		t.Errorf("%+v", n)
	}
}

func TestUnifiedCgroup(t *testing.T) {
	path, err := UnifiedCgroup([]byte("0::/user.slice/user-1000.slice/user@1000.service/app.slice/web.service/libpod-payload-abc\n"))
	if err != nil || path != "/user.slice/user-1000.slice/user@1000.service/app.slice/web.service/libpod-payload-abc" {
		t.Errorf("%q %v", path, err)
	}
	if _, err := UnifiedCgroup([]byte("4:memory:/x\n1:cpu:/\n0::\n")); err == nil {
		t.Error("a cgroup v1 process was given a v2 path")
	}
}

func TestReadCgroup(t *testing.T) {
	dir := t.TempDir()
	write := func(name, data string) {
		t.Helper()
		if err := os.MkdirAll(filepath.Dir(filepath.Join(dir, name)), 0o700); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(dir, name), []byte(data), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	write("cg/cpu.stat", "usage_usec 123456\nuser_usec 100000\nsystem_usec 23456\n")
	write("cg/memory.current", "52428800\n")
	cg, proc := filepath.Join(dir, "cg"), filepath.Join(dir, "proc")
	c, err := ReadCgroup(cg, proc)
	if err != nil || c != (CgroupCounters{CPUMicros: 123456, MemoryBytes: 52428800}) {
		t.Errorf("%+v %v", c, err)
	}
	write("cg/memory.current", "max\n")
	if _, err := ReadCgroup(cg, proc); err == nil {
		t.Error("a bad memory.current was read")
	}
	if _, err := ReadCgroup(filepath.Join(dir, "gone"), proc); err == nil {
		t.Error("a missing cgroup was read")
	}

	// Without a memory controller, the processes' resident memory, those of the cgroups
	// below included; a process that ended and a kernel thread count for nothing.
	if err := os.Remove(filepath.Join(cg, "memory.current")); err != nil {
		t.Fatal(err)
	}
	write("cg/cgroup.procs", "10\n11\n12\n")
	write("cg/sub/cgroup.procs", "20\n")
	write("proc/10/status", "Name:\tsh\nVmRSS:\t    1024 kB\nThreads:\t1\n")
	write("proc/11/status", "Name:\tkthread\nThreads:\t1\n")
	write("proc/20/status", "Name:\tserver\nVmRSS:\t    3072 kB\n")
	c, err = ReadCgroup(cg, proc)
	if err != nil || c != (CgroupCounters{CPUMicros: 123456, MemoryBytes: 4096 * 1024}) {
		t.Errorf("without memory.current: %+v %v", c, err)
	}
}
