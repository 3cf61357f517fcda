package main

import (
	"fmt"
	"strconv"
	"strings"
	"testing"

	"pgregory.net/rapid"
)

func TestUnifiedDiff(t *testing.T) {
	a := "a\nb\nc\nd\ne\nf\ng\nh\ni\nj\n"
	b := "a\nB\nc\nd\ne\nf\ng\nh\ni\nj\nk\n"
	// As GNU diff -u writes it.
	want := "@@ -1,5 +1,5 @@\n a\n-b\n+B\n c\n d\n e\n@@ -8,3 +8,4 @@\n h\n i\n j\n+k\n"
	if got := unifiedDiff(a, b, 3); got != want {
		t.Errorf("got:\n%s\nwant:\n%s", got, want)
	}
	// Changes within twice the context of each other share a hunk.
	if got := unifiedDiff("1\n2\n3\n4\n5\n", "x\n2\n3\n4\ny\n", 3); got != "@@ -1,5 +1,5 @@\n-1\n+x\n 2\n 3\n 4\n-5\n+y\n" {
		t.Errorf("close changes:\n%s", got)
	}
	if got := unifiedDiff("", "a\nb\n", 3); got != "@@ -0,0 +1,2 @@\n+a\n+b\n" {
		t.Errorf("from nothing:\n%s", got)
	}
	if got := unifiedDiff("a\n", "a\n", 3); got != "" {
		t.Errorf("the same: %q", got)
	}
}

// patchLines applies the hunks of a unified diff to a, as patch would, checking each
// removed and kept line against a.
func patchLines(t *rapid.T, a []string, hunks string) []string {
	var out []string
	next := 0 // the index in a of the next line not yet copied
	for _, line := range splitLines(hunks) {
		switch {
		case strings.HasPrefix(line, "@@ "):
			as, ac := hunkStart(strings.Fields(line)[1][1:])
			start := as - 1
			if ac == 0 {
				start = as
			}
			out = append(out, a[next:start]...)
			next = start
		case line[0] == ' ' || line[0] == '-':
			if next >= len(a) || a[next] != line[1:] {
				t.Fatalf("hunk line %q does not match line %d of a", line, next+1)
			}
			if line[0] == ' ' {
				out = append(out, a[next])
			}
			next++
		case line[0] == '+':
			out = append(out, line[1:])
		}
	}
	return append(out, a[next:]...)
}

func hunkStart(r string) (int, int) {
	s, c, ok := strings.Cut(r, ",")
	start, _ := strconv.Atoi(s)
	if !ok {
		return start, 1
	}
	count, _ := strconv.Atoi(c)
	return start, count
}

// Applying the diff of a and b to a gives b, whatever the lines.
func TestUnifiedDiffPatchesBack(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		gen := rapid.SliceOfN(rapid.SampledFrom([]string{"a", "b", "c", "d"}), 0, 30)
		a, b := gen.Draw(t, "a"), gen.Draw(t, "b")
		text := func(l []string) string {
			if len(l) == 0 {
				return ""
			}
			return strings.Join(l, "\n") + "\n"
		}
		hunks := unifiedDiff(text(a), text(b), rapid.IntRange(0, 3).Draw(t, "context"))
		if got := patchLines(t, a, hunks); fmt.Sprint(got) != fmt.Sprint(b) && !(len(got) == 0 && len(b) == 0) {
			t.Fatalf("patched %v, want %v\n%s", got, b, hunks)
		}
	})
}
