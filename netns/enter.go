package netns

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"os/exec"
	"strconv"
	"strings"
	"sync"
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
// network namespaces and loads rules into each with `nsenter --net=/proc/PID/ns/net nft
// -f -`, a few at a time, writing one Result line per pod to w. It reports whether every
// load succeeded.
func EnterAll(ctx context.Context, rules []byte, targets []Target, w io.Writer) bool {
	nsenter, nsErr := lookTool("nsenter")
	nft, nftErr := lookTool("nft")
	results := make([]Result, len(targets))
	sem := make(chan struct{}, parallel)
	var wg sync.WaitGroup
	for i, t := range targets {
		results[i].Pod = t.Pod
		if nsErr != nil || nftErr != nil {
			results[i].Error = Missing().Error()
			continue
		}
		wg.Go(func() {
			sem <- struct{}{}
			defer func() { <-sem }()
			if err := enterOne(ctx, nsenter, nft, rules, t.PID); err != nil {
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

func enterOne(ctx context.Context, nsenter, nft string, rules []byte, pid int) error {
	var out bytes.Buffer
	cmd := exec.CommandContext(ctx, nsenter, "--net=/proc/"+strconv.Itoa(pid)+"/ns/net", nft, "-f", "-")
	cmd.Stdin, cmd.Stdout, cmd.Stderr = bytes.NewReader(rules), &out, &out
	if err := cmd.Run(); err != nil {
		return fmt.Errorf("nft -f - in the namespace of PID %d: %w: %q", pid, err, strings.TrimSpace(out.String()))
	}
	return nil
}
