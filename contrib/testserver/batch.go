package main

import (
	"fmt"
	"io"
	"time"
)

// batch is the workload of a Job's pod: a line when it starts, one when it ends after
// d, and the exit status asked for, so that a test sees both in the journal.
func batch(w io.Writer, pod string, d time.Duration, code int) int {
	fmt.Fprintf(w, "batch run of %s started\n", pod)
	time.Sleep(d)
	fmt.Fprintf(w, "batch run of %s done, exit status %d\n", pod, code)
	return code
}
