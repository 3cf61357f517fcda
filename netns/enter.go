package netns

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"os/exec"
	"runtime"
	"strconv"
	"strings"
	"sync"

	"golang.org/x/sys/unix"
)

// parallel is how many namespaces are loaded at once: each load is a short nft process,
// and the node has few cores to spare.
const parallel = 4

// Target is a pod and the PID of a process in its network namespace.
type Target struct {
	Pod string
	PID int
}

// ParseTargets reads the POD=PID arguments of `netns enter`.
func ParseTargets(args []string) ([]Target, error) {
	var out []Target
	for _, a := range args {
		i := strings.LastIndex(a, "=")
		if i <= 0 {
			return nil, fmt.Errorf("read target %q: want POD=PID", a)
		}
		pid, err := strconv.Atoi(a[i+1:])
		if err != nil || pid <= 0 {
			return nil, fmt.Errorf("read target %q: PID is not a positive number", a)
		}
		out = append(out, Target{Pod: a[:i], PID: pid})
	}
	return out, nil
}

// EnterAll is the namespace side: it runs inside the user namespace that owns the pods'
// network namespaces and loads rules into each with `nft -f -` started from a thread that
// entered the pod's namespace, a few at a time, writing one Result line per pod to w. It
// reports whether every load succeeded.
func EnterAll(ctx context.Context, rules []byte, targets []Target, w io.Writer) bool {
	nft, nftErr := lookTool("nft")
	results := make([]Result, len(targets))
	sem := make(chan struct{}, parallel)
	var wg sync.WaitGroup
	for i, t := range targets {
		results[i].Pod = t.Pod
		if nftErr != nil {
			results[i].Error = Missing().Error()
			continue
		}
		wg.Go(func() {
			sem <- struct{}{}
			defer func() { <-sem }()
			if err := enterOne(ctx, nft, rules, t.PID); err != nil {
				results[i].Error = err.Error()
			}
		})
	}
	wg.Wait()
	ok := true
	enc := json.NewEncoder(w)
	for _, r := range results {
		ok = ok && r.Error == ""
		enc.Encode(r)
	}
	return ok
}

// enterOne runs `nft -f -` in the network namespace of process pid. A child process starts
// in the namespaces of the thread that forks it, so the load enters the namespace on a
// thread of its own and starts nft from there: one process per pod, where nsenter would
// add a second.
func enterOne(ctx context.Context, nft string, rules []byte, pid int) error {
	ns, err := os.Open("/proc/" + strconv.Itoa(pid) + "/ns/net")
	if err != nil {
		return fmt.Errorf("open the network namespace of PID %d: %w", pid, err)
	}
	defer ns.Close()
	done := make(chan error, 1)
	go func() {
		// The thread is never unlocked: it stays in the pod's namespace, so the runtime
		// ends it with this goroutine instead of giving it to another.
		runtime.LockOSThread()
		if err := unix.Setns(int(ns.Fd()), unix.CLONE_NEWNET); err != nil {
			done <- fmt.Errorf("enter the network namespace of PID %d: %w", pid, err)
			return
		}
		var out bytes.Buffer
		cmd := exec.CommandContext(ctx, nft, "-f", "-")
		cmd.Stdin, cmd.Stdout, cmd.Stderr = bytes.NewReader(rules), &out, &out
		if err := cmd.Run(); err != nil {
			done <- fmt.Errorf("nft -f - in the namespace of PID %d: %w: %q", pid, err, strings.TrimSpace(out.String()))
			return
		}
		done <- nil
	}()
	return <-done
}
