package main

import (
	"strings"
	"testing"
	"time"
)

func TestBatch(t *testing.T) {
	var b strings.Builder
	if code := batch(&b, "job-x1", time.Millisecond, 3); code != 3 {
		t.Errorf("exit status %d, want 3", code)
	}
	if b.String() != "batch run of job-x1 started\nbatch run of job-x1 done, exit status 3\n" {
		t.Errorf("printed %q", b.String())
	}
}
