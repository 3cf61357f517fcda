package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// swarm diff shows what an apply would change, exits 1 when something would, 0 when
// nothing would, and 2 on an error, as kubectl diff.
func TestDiff(t *testing.T) {
	_, flags := liveCLI(t)
	file := writeManifest(t, mergeWeb)
	out, err := runCLI(t, append([]string{"diff", "-f", file}, flags...)...)
	if exitStatus(err) != 1 || err.Error() != "" || !strings.HasPrefix(out, "diff -u -N LIVE/apps.v1.Deployment.default.web MERGED/apps.v1.Deployment.default.web\n--- LIVE/") ||
		!strings.Contains(out, "\n+  name: web\n") {
		t.Errorf("diff of a new object: %v\n%s", err, out)
	}
	if _, err := runCLI(t, append([]string{"apply", "-f", file}, flags...)...); err != nil {
		t.Fatal(err)
	}
	out, err = runCLI(t, append([]string{"diff", "-f", file}, flags...)...)
	if err != nil || out != "" {
		t.Errorf("diff of what is applied: %v %q", err, out)
	}
	changed := strings.Replace(mergeWeb, "value: blue", "value: green", 1)
	out, err = runCLI(t, append([]string{"diff", "-f", writeManifest(t, changed)}, flags...)...)
	if exitStatus(err) != 1 || !strings.Contains(out, "\n-          value: blue\n+          value: green\n") {
		t.Errorf("diff of a change: %v\n%s", err, out)
	}
	_, err = runCLI(t, append([]string{"diff", "-f", filepath.Join(t.TempDir(), "nope.yaml")}, flags...)...)
	if exitStatus(err) != 2 || err.Error() == "" {
		t.Errorf("diff of a missing file: %v (status %d)", err, exitStatus(err))
	}
	if _, err := os.Stat(file); err != nil {
		t.Fatal(err)
	}
}
