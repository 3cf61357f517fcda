package quadlet

import (
	"errors"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	corev1 "k8s.io/api/core/v1"

	"github.com/podman-swarm/podman-swarm/manifest"
)

// parsedSections are the sections any unit may have.
var parsedSections = []string{"Unit", "Pod", "Container", "Volume", "Service", "Install"}

// hostileManifest carries unit syntax where a manifest carries free text.
const hostileManifest = `apiVersion: apps/v1
kind: Deployment
metadata: {name: evil, labels: {app: evil}}
spec:
  replicas: 2
  selector: {matchLabels: {app: evil}}
  template:
    metadata:
      labels: {app: evil, note: "x"}
      annotations: {a: "\n[Service]\nExecStartPre=/bin/sh -c 'rm -rf ~'"}
    spec:
      containers:
        - name: main
          image: localhost/evil:1
          args: ["a\nExecStartPost=/bin/false", "%h %n %%", "$HOME ${PATH} $$", "\\", "'\"", " spaced "]
          env:
            - {name: INJECT, value: "x\n[Container]\nVolume=/:/host"}
            - {name: PCT, value: "100%d %i"}
            - {name: DOLLAR, value: "$(INJECT) $$(x) ${y}"}
            - {name: BACKSLASH, value: "a\\\nb\\"}
            - name: ANNOTATION
              valueFrom: {fieldRef: {fieldPath: "metadata.annotations['a']"}}
          workingDir: "/srv/100%/$x"
`

// FuzzParseRender feeds arbitrary manifests through the parser and the renderer: nothing
// panics, every refusal names where it is, and every rendered unit reads back, as Quadlet and
// systemd read it, into only the sections and keys the pod asked for, with its values intact.
func FuzzParseRender(f *testing.F) {
	f.Add([]byte(hostileManifest))
	for _, pattern := range []string{"testdata/*/input.yaml", "../contrib/examples/*.yaml"} {
		files, _ := filepath.Glob(pattern)
		for _, file := range files {
			data, err := os.ReadFile(file)
			if err != nil {
				f.Fatal(err)
			}
			f.Add(data)
		}
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		set, err := manifest.Parse(manifest.Input{Name: "fuzz.yaml", Data: data})
		if err != nil {
			var errs manifest.Errors
			if !errors.As(err, &errs) || len(errs) == 0 || !strings.HasPrefix(errs[0].Error(), "fuzz.yaml: document ") {
				t.Fatalf("a refusal that does not say where: %v", err)
			}
			return
		}
		for _, pod := range somePods(set) {
			res, err := Render(pod, goldenOptions)
			if err != nil {
				if !strings.HasPrefix(err.Error(), "spec.") && !strings.HasPrefix(err.Error(), "metadata.") {
					t.Fatalf("render error without a field path: %v", err)
				}
				checkFieldError(t, err)
				continue
			}
			checkFacts(t, res)
			checkParsedUnits(t, pod, res)
		}
	})
}

// somePods expands a manifest like Set.Pods, but at most a few replicas of each Deployment:
// a fuzzed replica count must not make the test allocate millions of pods.
func somePods(set *manifest.Set) []manifest.Pod {
	var pods []manifest.Pod
	for _, o := range set.Objects {
		switch {
		case o.Deployment != nil:
			for i := range min(manifest.Replicas(o.Deployment), 2) {
				pods = append(pods, manifest.DeploymentPod(o.Deployment, i))
			}
		case o.Pod != nil:
			pods = append(pods, manifest.BarePod(o.Pod))
		}
	}
	return pods
}

func checkParsedUnits(t *testing.T, pod manifest.Pod, res Result) {
	t.Helper()
	containers := map[string]bool{}
	for _, u := range res.Units {
		pu, err := parseQuadlet(u.Text)
		if err != nil {
			t.Fatalf("%s does not parse: %v\n%s", u.Name, err, u.Text)
		}
		for _, s := range pu.sections {
			if !slices.Contains(parsedSections, s.name) {
				t.Fatalf("%s has a section [%s]:\n%s", u.Name, s.name, u.Text)
			}
		}
		if key, ok := Owner(u.Text); !ok || key != pod.Key() {
			t.Fatalf("%s: Owner = %q, %v; want %s", u.Name, key, ok, pod.Key())
		}
		ref, ok := ParseUnitName(u.Name)
		if !ok || ref.Namespace != pod.Namespace || ref.Pod != pod.Name {
			t.Fatalf("unit name %s does not name pod %s", u.Name, pod.Key())
		}
		if ref.Kind != KindContainer {
			continue
		}
		idx := slices.IndexFunc(pod.Spec.Containers, func(c corev1.Container) bool { return c.Name == ref.Container })
		if idx < 0 {
			continue // an init container
		}
		containers[ref.Container] = true
		c := &pod.Spec.Containers[idx]
		// The environment: exactly the pod's variables, each value as podman receives it.
		env := expectedEnv(pod, c)
		var want, got []string
		for k, v := range env {
			want = append(want, k+"="+v)
		}
		for k, v := range pu.lookupKeyVal("Container", "Environment") {
			got = append(got, throughSystemd(t, k+"="+v))
		}
		if len(pu.lookupAll("Container", "Environment")) != len(env) || !sameSet(got, want) {
			t.Fatalf("%s: environment\n got %q\nwant %q\n%s", u.Name, got, want, u.Text)
		}
		// The labels: exactly the pod's.
		want, got = nil, nil
		for k, v := range pod.Labels {
			want = append(want, k+"="+v)
		}
		for k, v := range pu.lookupKeyVal("Container", "Label") {
			got = append(got, throughSystemd(t, k+"="+v))
		}
		if !sameSet(got, want) {
			t.Fatalf("%s: labels\n got %q\nwant %q", u.Name, got, want)
		}
		// One command line at most, whatever the arguments hold.
		if n := len(pu.lookupAll("Container", "Exec")); n > 1 {
			t.Fatalf("%s: %d Exec= lines", u.Name, n)
		}
		if n := len(pu.lookupAll("Container", "Entrypoint")); n > 1 {
			t.Fatalf("%s: %d Entrypoint= lines", u.Name, n)
		}
	}
	for _, c := range pod.Spec.Containers {
		if !containers[c.Name] {
			t.Fatalf("no unit for container %s", c.Name)
		}
	}
}
