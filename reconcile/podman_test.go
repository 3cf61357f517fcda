package reconcile

import (
	"os"
	"path/filepath"
	"testing"
)

func TestHealthFiles(t *testing.T) {
	rt, root := t.TempDir(), t.TempDir()
	h := healthFiles{runtimeDir: rt, containersDir: filepath.Join(root, "overlay-containers")}
	const cid = "6df7946bdc3b662247f5f4932f60d756db8190d3823141c2a91b0a888c6da8df"
	write := func(path, text string) {
		t.Helper()
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, []byte(text), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	if _, ok := h.read("swarm-default_web_app"); ok {
		t.Error("no cidfile: read succeeded")
	}
	write(filepath.Join(rt, "swarm-default_web_app.cid"), cid+"\n")
	if _, ok := h.read("swarm-default_web_app"); ok {
		t.Error("no health file yet: read succeeded")
	}
	// As podman 5.4 writes it.
	write(filepath.Join(h.containersDir, cid, "healthcheck.log"),
		`{"Status":"starting","FailingStreak":1,"Log":[{"Start":"2026-11-26T01:07:23.566339885Z","End":"2026-11-26T01:07:23.751335481Z","ExitCode":1,"Output":""}]}`)
	if st, ok := h.read("swarm-default_web_app"); !ok || st != "starting" {
		t.Errorf("read = %q, %v; want starting", st, ok)
	}
	write(filepath.Join(rt, "swarm-default_evil.cid"), "../../etc")
	if _, ok := h.read("swarm-default_evil"); ok {
		t.Error("a cidfile with a path in it was followed")
	}
	if _, ok := (healthFiles{}).read("swarm-default_web_app"); ok {
		t.Error("unknown run root: read succeeded")
	}
}

func TestParseHealth(t *testing.T) {
	got := parseHealth("swarm-a_b_c healthy\nswarm-a_b_d \n\nswarm-a_b_e unhealthy\n")
	if len(got) != 2 || got["swarm-a_b_c"] != "healthy" || got["swarm-a_b_e"] != "unhealthy" {
		t.Errorf("parseHealth = %v", got)
	}
}
