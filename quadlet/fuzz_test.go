package quadlet

import (
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"testing"

	corev1 "k8s.io/api/core/v1"

	"github.com/podman-swarm/podman-swarm/manifest"
)

// fuzzPod places the fuzzed strings in every field that carries free text.
func fuzzPod(envName, envValue, arg1, arg2, command, labelKey, labelValue, workDir, hostPath, mountPath string, useCommand bool) manifest.Pod {
	c := corev1.Container{
		Name:       "app",
		Image:      "localhost/app:1",
		Args:       []string{arg1, arg2},
		WorkingDir: workDir,
		Env: []corev1.EnvVar{
			{Name: "FIXED", Value: "fixed"},
			{Name: envName, Value: envValue},
		},
		VolumeMounts: []corev1.VolumeMount{
			{Name: "host", MountPath: mountPath, ReadOnly: true},
			{Name: "scratch", MountPath: "/scratch"},
		},
	}
	if useCommand {
		c.Command = []string{"/bin/app", command}
	}
	return manifest.Pod{
		Namespace: "default",
		Name:      "fuzz",
		Labels:    map[string]string{"app": "fuzz", labelKey: labelValue},
		Spec: corev1.PodSpec{
			Containers: []corev1.Container{c},
			Volumes: []corev1.Volume{
				{Name: "host", VolumeSource: corev1.VolumeSource{HostPath: &corev1.HostPathVolumeSource{Path: hostPath}}},
				{Name: "scratch"},
			},
		},
	}
}

// wantSections are the sections and keys each kind of unit may hold.
var wantSections = map[Kind]map[string][]string{
	KindPod: {
		"Unit":    {"Description", MarkerKey},
		"Pod":     {"PodName", "ServiceName", "PodmanArgs"},
		"Install": {"WantedBy"},
	},
	KindContainer: {
		"Unit":      {"Description", MarkerKey, "StartLimitIntervalSec"},
		"Container": {"ContainerName", "Pod", "Image", "Pull", "LogDriver", "Entrypoint", "Exec", "WorkingDir", "Environment", "Label", "Volume", "StopTimeout"},
		"Service":   {"Restart", "RestartSec", "RestartSteps", "RestartMaxDelaySec", "TimeoutStopSec"},
	},
	KindVolume: {
		"Unit":   {"Description", MarkerKey},
		"Volume": {"VolumeName", "ServiceName"},
	},
}

func FuzzRender(f *testing.F) {
	// Hostile values where a pod carries free text: they must all render.
	for i, v := range hostileValues {
		w := hostileValues[(i+1)%len(hostileValues)]
		f.Add(fmt.Sprintf("NAME_%d", i), v, v, w, w, fmt.Sprintf("example.com/key%d", i), v, "/work", "/srv/data", "/mnt/data", i%2 == 0)
	}
	// Odd names and paths that can still be carried.
	f.Add("odd.name-with:chars%$", "x", "a", "b", "c", "k", "v", "/work dir/100% $HOME", "/srv/a b/50%/$x", "/mnt/é 'q'", false)
	f.Fuzz(func(t *testing.T, envName, envValue, arg1, arg2, command, labelKey, labelValue, workDir, hostPath, mountPath string, useCommand bool) {
		pod := fuzzPod(envName, envValue, arg1, arg2, command, labelKey, labelValue, workDir, hostPath, mountPath, useCommand)
		res, err := Render(pod, Options{})
		if err != nil {
			// A refusal must name the field it is about.
			if !strings.HasPrefix(err.Error(), "spec.") && !strings.HasPrefix(err.Error(), "metadata.") {
				t.Fatalf("error without a field path: %v", err)
			}
			checkFieldError(t, err)
			return
		}
		checkFacts(t, res)
		checkFuzzedUnits(t, pod, res)
	})
}

// checkFuzzedUnits reads every unit back as Quadlet and systemd would and checks that it
// holds exactly the sections and keys the pod asked for, with every value intact.
func checkFuzzedUnits(t *testing.T, pod manifest.Pod, res Result) {
	t.Helper()
	if len(res.Units) != 3 {
		t.Fatalf("units %v, want a pod, a container and a volume", unitNames(res))
	}
	units := map[Kind]*parsedUnit{}
	for _, u := range res.Units {
		pu, err := parseQuadlet(u.Text)
		if err != nil {
			t.Fatalf("%s does not parse: %v\n%s", u.Name, err, u.Text)
		}
		ref, ok := ParseUnitName(u.Name)
		if !ok {
			t.Fatalf("unit name %s does not parse back", u.Name)
		}
		want := wantSections[ref.Kind]
		var sections []string
		for _, s := range pu.sections {
			sections = append(sections, s.name)
			allowed, ok := want[s.name]
			if !ok {
				t.Fatalf("%s has a section [%s]:\n%s", u.Name, s.name, u.Text)
			}
			for _, k := range pu.keys(s.name) {
				if !slices.Contains(allowed, k) {
					t.Fatalf("%s [%s] has a key %q:\n%s", u.Name, s.name, k, u.Text)
				}
			}
		}
		if len(sections) != len(want) {
			t.Fatalf("%s has sections %v", u.Name, sections)
		}
		if key, ok := Owner(u.Text); !ok || key != pod.Key() {
			t.Fatalf("%s: Owner = %q, %v", u.Name, key, ok)
		}
		units[ref.Kind] = pu
	}
	c := &pod.Spec.Containers[0]
	ct := units[KindContainer]

	// The environment, as podman receives it.
	env := expectedEnv(pod, c)
	var wantEnv []string
	for k, v := range env {
		wantEnv = append(wantEnv, k+"="+v)
	}
	var gotEnv []string
	for k, v := range ct.lookupKeyVal("Container", "Environment") {
		gotEnv = append(gotEnv, throughSystemd(t, k+"="+v))
	}
	if len(ct.lookupAll("Container", "Environment")) != len(env) || !sameSet(gotEnv, wantEnv) {
		t.Fatalf("environment\n got %q\nwant %q", gotEnv, wantEnv)
	}

	// The labels, on the container and on the pod.
	var wantLabels []string
	for k, v := range pod.Labels {
		wantLabels = append(wantLabels, k+"="+v)
	}
	var gotLabels []string
	for k, v := range ct.lookupKeyVal("Container", "Label") {
		gotLabels = append(gotLabels, throughSystemd(t, k+"="+v))
	}
	if !sameSet(gotLabels, wantLabels) {
		t.Fatalf("container labels\n got %q\nwant %q", gotLabels, wantLabels)
	}
	podArgs := units[KindPod].lookupArgs("Pod", "PodmanArgs")
	var podLabels []string
	for _, l := range flagValues(podArgs, "--label") {
		podLabels = append(podLabels, throughSystemd(t, l))
	}
	if !sameSet(podLabels, wantLabels) {
		t.Fatalf("pod labels\n got %q\nwant %q", podLabels, wantLabels)
	}

	// The command line.
	lookup := func(n string) (string, bool) { v, ok := env[n]; return v, ok }
	var want []string
	for _, w := range append(slices.Clone(c.Command), c.Args...) {
		want = append(want, expand(w, lookup))
	}
	if len(c.Command) > 0 {
		ep, ok := ct.lookup("Container", "Entrypoint")
		var got []string
		if ok {
			raw, err := rawThroughQuadletAndSystemd(ep)
			if err != nil {
				t.Fatal(err)
			}
			if err := json.Unmarshal([]byte(raw), &got); err != nil {
				t.Fatalf("entrypoint %q: %v", raw, err)
			}
		}
		if !slices.Equal(got, want) {
			t.Fatalf("entrypoint\n got %q\nwant %q", got, want)
		}
	} else {
		lines := ct.lookupAll("Container", "Exec")
		if len(lines) != 1 {
			t.Fatalf("%d Exec= lines", len(lines))
		}
		words, err := quadletSplit(lines[0])
		if err != nil {
			t.Fatal(err)
		}
		got, err := splitExecStart(quadletEscapeWords(words))
		if err != nil {
			t.Fatal(err)
		}
		if !slices.Equal(got, want) {
			t.Fatalf("arguments\n got %q\nwant %q", got, want)
		}
	}

	// The verbatim keys.
	if c.WorkingDir != "" {
		wd, _ := ct.lookup("Container", "WorkingDir")
		if got, err := rawThroughQuadletAndSystemd(wd); err != nil || got != c.WorkingDir {
			t.Fatalf("working dir %q, %v; want %q", got, err, c.WorkingDir)
		}
	}
	vols := ct.lookupAll("Container", "Volume")
	wantVols := []string{
		pod.Spec.Volumes[0].HostPath.Path + ":" + c.VolumeMounts[0].MountPath + ":ro",
		VolumeName(pod.Namespace, pod.Name, "scratch") + ExtVolume + ":/scratch",
	}
	if len(vols) != len(wantVols) {
		t.Fatalf("volumes %q", vols)
	}
	for i, v := range vols {
		if got, err := rawThroughQuadletAndSystemd(v); err != nil || got != wantVols[i] {
			t.Fatalf("volume %q, %v; want %q", got, err, wantVols[i])
		}
	}
}

// throughSystemd sends one word that Quadlet has read along the rest of the chain: Quadlet
// writes it into ExecStart=, systemd reads it back.
func throughSystemd(t *testing.T, word string) string {
	t.Helper()
	argv, err := splitExecStart(quadletEscapeWords([]string{word}))
	if err != nil {
		t.Fatal(err)
	}
	if len(argv) != 1 {
		t.Fatalf("%q became %q", word, argv)
	}
	return argv[0]
}
