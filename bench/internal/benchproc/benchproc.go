// Package benchproc runs the processes of a benchmark program (servers, load generators)
// and stops every one it started when the program ends, also when it fails or is
// interrupted; it removes the program's temporary folder then too.
package benchproc

import (
	"fmt"
	"io"
	"log"
	"net/http"
	"os"
	"os/exec"
	"os/signal"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"
)

var (
	mu      sync.Mutex
	running []*exec.Cmd
	dirs    []string // temporary folders, removed after the processes stop
)

func init() {
	// An interrupted benchmark leaves no server behind.
	sig := make(chan os.Signal, 1)
	signal.Notify(sig, os.Interrupt, syscall.SIGTERM)
	go func() {
		s := <-sig
		StopAll()
		log.Fatalf("stopped by %s", s)
	}()
}

// Start starts cmd, its output to stderr, and remembers it for StopAll. The process also
// gets SIGKILL should this program die without stopping it.
func Start(cmd *exec.Cmd) *exec.Cmd {
	cmd.Stdout, cmd.Stderr = os.Stderr, os.Stderr
	cmd.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}
	mu.Lock()
	defer mu.Unlock()
	if err := cmd.Start(); err != nil {
		stopAll()
		log.Fatalf("start %s: %v", cmd.Args, err)
	}
	running = append(running, cmd)
	return cmd
}

// Stop ends one process started with Start: SIGINT, then SIGKILL after 5 seconds.
func Stop(cmd *exec.Cmd) {
	mu.Lock()
	defer mu.Unlock()
	if i := slices.Index(running, cmd); i >= 0 {
		running = slices.Delete(running, i, i+1)
		stop(cmd)
	}
}

// TempDir makes a temporary folder that StopAll removes.
func TempDir(pattern string) string {
	dir, err := os.MkdirTemp("", pattern)
	Check(err)
	mu.Lock()
	defer mu.Unlock()
	dirs = append(dirs, dir)
	return dir
}

// StopAll ends every process started with Start and not stopped yet, and removes the
// folders of TempDir unless SWARM_BENCH_KEEP is set (to read the processes' logs after).
func StopAll() {
	mu.Lock()
	defer mu.Unlock()
	stopAll()
}

func stopAll() {
	for _, cmd := range running {
		stop(cmd)
	}
	running = nil
	keep := os.Getenv("SWARM_BENCH_KEEP") != ""
	for _, dir := range dirs {
		if keep {
			fmt.Fprintf(os.Stderr, "kept %s (SWARM_BENCH_KEEP is set)\n", dir)
			continue
		}
		_ = os.RemoveAll(dir)
	}
	dirs = nil
}

func stop(cmd *exec.Cmd) {
	_ = cmd.Process.Signal(os.Interrupt)
	done := make(chan struct{})
	go func() { _ = cmd.Wait(); close(done) }()
	select {
	case <-done:
	case <-time.After(5 * time.Second):
		_ = cmd.Process.Kill()
		<-done
	}
}

// Fatalf stops every process, then logs and exits like log.Fatalf (which would skip the
// deferred stops).
func Fatalf(format string, v ...any) {
	StopAll()
	log.Fatalf(format, v...)
}

// Check ends the program on an error.
func Check(err error) {
	if err != nil {
		Fatalf("%v", err)
	}
}

// CPUTime is the user and system time of a process so far, from /proc (clock ticks of
// 10 ms, as on every Linux of today).
func CPUTime(pid int) time.Duration {
	f := statFields(pid)
	utime, _ := strconv.Atoi(f[11])
	stime, _ := strconv.Atoi(f[12])
	return time.Duration(utime+stime) * 10 * time.Millisecond
}

// MinorFaults is how many pages process pid has touched for the first time (or again
// after they were given back): each one the kernel had to find and zero, which on a VM
// whose host takes back freed memory can cost more than the work that touched it.
func MinorFaults(pid int) int64 {
	n, _ := strconv.ParseInt(statFields(pid)[7], 10, 64)
	return n
}

// statFields are the fields of /proc/PID/stat after the command name, which is in
// parentheses and may hold spaces: the process's state is the first.
func statFields(pid int) []string {
	data, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	Check(err)
	return strings.Fields(string(data[strings.LastIndexByte(string(data), ')')+2:]))
}

// Machine names the CPU: "2 cores of AMD EPYC ...".
func Machine() string {
	model := runtime.GOARCH
	if data, err := os.ReadFile("/proc/cpuinfo"); err == nil {
		for _, line := range strings.Split(string(data), "\n") {
			if k, v, ok := strings.Cut(line, ":"); ok && strings.TrimSpace(k) == "model name" {
				model = strings.TrimSpace(v)
				break
			}
		}
	}
	return fmt.Sprintf("%d cores of %s", runtime.NumCPU(), model)
}

// Median of xs (the upper one of an even count).
func Median(xs []float64) float64 {
	s := slices.Clone(xs)
	slices.Sort(s)
	return s[len(s)/2]
}

// NeedTools ends the program unless every tool is on the PATH, saying what to install.
func NeedTools(install string, tools ...string) {
	for _, tool := range tools {
		if _, err := exec.LookPath(tool); err != nil {
			Fatalf("%s is missing: %s", tool, install)
		}
	}
}

// StartSelf starts this program again with args (a helper role, such as a backend to
// measure against), pinned to cpus with taskset, as Start does.
func StartSelf(cpus string, args ...string) *exec.Cmd {
	self, err := os.Executable()
	Check(err)
	return Start(exec.Command("taskset", append([]string{"-c", cpus, self}, args...)...))
}

// ApplyManifest posts a manifest to an agent's API at url (…/api/v1/manifests) with client
// and fails unless the agent accepted it.
func ApplyManifest(client *http.Client, url, yaml string) error {
	resp, err := client.Post(url, "application/yaml", strings.NewReader(yaml))
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("apply: HTTP %d: %s", resp.StatusCode, body)
	}
	return nil
}
