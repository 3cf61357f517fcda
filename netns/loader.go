package netns

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"slices"
	"strconv"
	"strings"
)

// Loader runs podman to load rules into pods. The zero value runs `podman` and this very
// binary's `netns enter`.
type Loader struct {
	// Podman is the podman command; "" is podman on PATH.
	Podman string
	// Enter is the command `podman unshare` runs to enter the namespaces, given the
	// POD=PID pairs as more arguments and the rules on its standard input; nil is this
	// binary's `netns enter`.
	Enter []string
}

// Load finds each pod's infra container with one `podman ps`, then loads the rules into
// all their namespaces with one `podman unshare`. A pod that is not running, or whose rules
// nft refused, is named in the error with nft's own message; the others are loaded.
func (l *Loader) Load(ctx context.Context, rules []byte, pods []string) error {
	if len(pods) == 0 {
		return nil
	}
	pids, err := l.infraPIDs(ctx, pods)
	if err != nil {
		return err
	}
	var errs []error
	var targets []string
	for _, pod := range pods {
		pid, ok := pids[pod]
		if !ok {
			errs = append(errs, &PodError{Pod: pod, Err: errors.New("it has no running infra container")})
			continue
		}
		targets = append(targets, pod+"="+strconv.Itoa(pid))
	}
	if len(targets) > 0 {
		errs = append(errs, l.enter(ctx, rules, targets))
	}
	return errors.Join(errs...)
}

// infraPIDs asks podman once for the PID of the infra container of each pod.
func (l *Loader) infraPIDs(ctx context.Context, pods []string) (map[string]int, error) {
	args := []string{"ps", "--format", "{{.Pid}} {{.PodName}} {{.IsInfra}}"}
	for _, pod := range pods {
		args = append(args, "--filter", "pod="+pod)
	}
	var stdout, stderr bytes.Buffer
	cmd := exec.CommandContext(ctx, l.podman(), args...)
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Run(); err != nil {
		return nil, fmt.Errorf("list the infra containers of pods %s: %w: %s", strings.Join(pods, ", "), err, strings.TrimSpace(stderr.String()))
	}
	return parseInfra(stdout.String()), nil
}

// parseInfra reads "PID POD true" lines; other containers of the pods, and infra
// containers without a process, are left out.
func parseInfra(out string) map[string]int {
	pids := map[string]int{}
	for _, line := range strings.Split(out, "\n") {
		f := strings.Fields(line)
		if len(f) != 3 || f[2] != "true" {
			continue
		}
		if pid, err := strconv.Atoi(f[0]); err == nil && pid > 0 {
			pids[f[1]] = pid
		}
	}
	return pids
}

// enter runs the one `podman unshare` process and reads its answer per pod.
func (l *Loader) enter(ctx context.Context, rules []byte, targets []string) error {
	self := l.Enter
	if self == nil {
		exe, err := os.Executable()
		if err != nil {
			return fmt.Errorf("find the swarm binary: %w", err)
		}
		self = []string{exe, "netns", "enter"}
	}
	args := append(append([]string{"unshare"}, self...), targets...)
	var stdout, stderr bytes.Buffer
	cmd := exec.CommandContext(ctx, l.podman(), args...)
	cmd.Stdin, cmd.Stdout, cmd.Stderr = bytes.NewReader(rules), &stdout, &stderr
	runErr := cmd.Run()
	results, parseErr := parseResults(stdout.Bytes())
	if runErr != nil && len(results) == 0 {
		return fmt.Errorf("enter the pods' namespaces: %w: %s", runErr, strings.TrimSpace(stderr.String()))
	}
	if parseErr != nil {
		return parseErr
	}
	var errs []error
	done := map[string]bool{}
	for _, r := range results {
		done[r.Pod] = true
		if r.Error != "" {
			errs = append(errs, &PodError{Pod: r.Pod, Err: errors.New(r.Error)})
		}
	}
	for _, t := range targets {
		if pod := t[:strings.LastIndex(t, "=")]; !done[pod] {
			errs = append(errs, &PodError{Pod: pod, Err: fmt.Errorf("no answer from the namespace side: %s", strings.TrimSpace(stderr.String()))})
		}
	}
	return errors.Join(errs...)
}

func (l *Loader) podman() string {
	if l.Podman == "" {
		return "podman"
	}
	return l.Podman
}

// PodError is the failure to load the rules into one pod; Load joins one per pod that
// failed, so that a caller can tell which pods have their rules.
type PodError struct {
	Pod string
	Err error
}

func (e *PodError) Error() string { return "load rules into pod " + e.Pod + ": " + e.Err.Error() }

func (e *PodError) Unwrap() error { return e.Err }

// FailedPods lists the pods an error of Load names; all is true when the error is not about
// single pods (podman could not list them, or not run at all), so every pod failed.
func FailedPods(err error) (pods []string, all bool) {
	if err == nil {
		return nil, false
	}
	var pe *PodError
	if j, ok := err.(interface{ Unwrap() []error }); ok {
		for _, e := range j.Unwrap() {
			p, a := FailedPods(e)
			pods, all = append(pods, p...), all || a
		}
		return pods, all
	}
	if errors.As(err, &pe) {
		return []string{pe.Pod}, false
	}
	return nil, true
}

// Result is the answer of the namespace side for one pod, one JSON line each.
type Result struct {
	Pod   string `json:"pod"`
	Error string `json:"error,omitempty"`
}

func parseResults(out []byte) ([]Result, error) {
	var rs []Result
	for _, line := range bytes.Split(out, []byte("\n")) {
		if len(bytes.TrimSpace(line)) == 0 {
			continue
		}
		var r Result
		if err := json.Unmarshal(line, &r); err != nil {
			return rs, fmt.Errorf("read the answer of the namespace side %q: %w", line, err)
		}
		rs = append(rs, r)
	}
	slices.SortFunc(rs, func(a, b Result) int { return strings.Compare(a.Pod, b.Pod) })
	return rs, nil
}
