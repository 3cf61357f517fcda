package quadlet

import (
	"bytes"
	"encoding/json"
	"maps"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/util/validation"

	"github.com/podman-swarm/podman-swarm/manifest"
)

// TestGenerator runs every golden case through podman 5.4's own Quadlet generator (from
// the Debian trixie tree of the e2e rig) and checks what systemd would run: each unit
// converts, and every environment value, argument, label and working directory reaches
// podman's argv exactly as Kubernetes would pass it.
func TestGenerator(t *testing.T) {
	dryrun := generatorOrSkip(t)
	for _, dir := range goldenCases(t) {
		t.Run(filepath.Base(dir), func(t *testing.T) {
			pod := loadPod(t, filepath.Join(dir, "input.yaml"))
			res, err := Render(pod, goldenOptions)
			if err != nil {
				t.Fatalf("Render: %v", err)
			}
			services := runGenerator(t, dryrun, res.Units)
			checkGenerated(t, pod, res.Units, services)
		})
	}
}

// generatorOrSkip finds test/e2e/quadlet-dryrun, or skips the test when the machine cannot
// run it; with CI=true or SWARM_E2E=1 it fails instead of skipping.
func generatorOrSkip(t *testing.T) string {
	t.Helper()
	required := os.Getenv("CI") == "true" || os.Getenv("SWARM_E2E") == "1"
	unavailable := func(why string) string {
		msg := "the check against podman's Quadlet generator cannot run: " + why +
			"; as root, run test/e2e/trixie-tree once (about a minute, cached afterwards), or set SWARM_E2E=1"
		if required {
			t.Fatal(msg)
		}
		t.Skip(msg)
		return ""
	}
	root, err := filepath.Abs("..")
	if err != nil {
		t.Fatal(err)
	}
	dryrun := filepath.Join(root, "test", "e2e", "quadlet-dryrun")
	if _, err := os.Stat(dryrun); err != nil {
		return unavailable(dryrun + " is missing")
	}
	if os.Geteuid() != 0 {
		return unavailable("it needs root")
	}
	if !required && os.Getenv("SWARM_E2E_TREE") == "" {
		// Without CI or SWARM_E2E, only a tree that is already cached is used, since
		// building one takes a minute; test/e2e/README.md documents the cache folder.
		cache := os.Getenv("SWARM_E2E_CACHE")
		if cache == "" {
			cache = "/var/cache/podman-swarm"
		}
		if trees, _ := filepath.Glob(filepath.Join(cache, "trixie-*")); len(trees) == 0 {
			return unavailable("no Debian trixie tree is cached in " + cache)
		}
	}
	return dryrun
}

// runGenerator writes the units to a folder, runs the generator on it and returns the
// generated services by name.
func runGenerator(t *testing.T, dryrun string, units []Unit) map[string]*parsedUnit {
	t.Helper()
	dir := t.TempDir()
	for _, u := range units {
		if err := os.WriteFile(filepath.Join(dir, u.Name), []byte(u.Text), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	var stdout, stderr bytes.Buffer
	cmd := exec.Command(dryrun, dir)
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Run(); err != nil {
		t.Fatalf("%s failed: %v\n%s", dryrun, err, stderr.String())
	}
	services := map[string]*parsedUnit{}
	for _, chunk := range strings.Split(strings.TrimSuffix(stdout.String(), "\n"), "\n---") {
		chunk = strings.TrimPrefix(chunk, "---")
		name, text, ok := strings.Cut(chunk, "---\n")
		if !ok {
			t.Fatalf("unexpected generator output: %q", chunk)
		}
		u, err := parseQuadlet(text)
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		services[name] = u
	}
	return services
}

func checkGenerated(t *testing.T, pod manifest.Pod, units []Unit, services map[string]*parsedUnit) {
	t.Helper()
	var want []string
	for _, u := range units {
		ref, ok := ParseUnitName(u.Name)
		if !ok {
			t.Fatalf("unit name %s does not parse", u.Name)
		}
		switch ref.Kind {
		case KindPod:
			want = append(want, PodServiceName(ref.Namespace, ref.Pod))
		case KindContainer:
			want = append(want, ContainerServiceName(ref.Namespace, ref.Pod, ref.Container))
		case KindVolume:
			if ref.Claim != "" {
				want = append(want, ClaimServiceName(ref.Namespace, ref.Pod, ref.Claim))
				break
			}
			want = append(want, VolumeServiceName(ref.Namespace, ref.Pod, ref.Volume))
		}
	}
	slices.Sort(want)
	if got := slices.Sorted(maps.Keys(services)); !slices.Equal(got, want) {
		t.Fatalf("generated services %v, want %v", got, want)
	}
	// Every command line of every service must be one systemd runs as written.
	for name, s := range services {
		for _, key := range []string{"ExecStartPre", "ExecStart", "ExecStop", "ExecStopPost"} {
			for _, line := range s.lookupAll("Service", key) {
				if _, err := splitExecStart(strings.TrimPrefix(line, "-")); err != nil {
					t.Errorf("%s %s: %v", name, key, err)
				}
			}
		}
		if key, _ := s.lookup("Unit", MarkerKey); key != pod.Key() {
			t.Errorf("%s: %s=%q, want %q", name, MarkerKey, key, pod.Key())
		}
	}
	checkPodService(t, pod, services[PodServiceName(pod.Namespace, pod.Name)])
	for i := range pod.Spec.InitContainers {
		checkContainerService(t, pod, &pod.Spec.InitContainers[i], services)
	}
	for i := range pod.Spec.Containers {
		checkContainerService(t, pod, &pod.Spec.Containers[i], services)
	}
}

// execArgv reads a service's command line with systemd's rules.
func execArgv(t *testing.T, s *parsedUnit, key string) []string {
	t.Helper()
	lines := s.lookupAll("Service", key)
	if len(lines) != 1 {
		t.Fatalf("%d %s= lines, want 1", len(lines), key)
	}
	argv, err := splitExecStart(lines[0])
	if err != nil {
		t.Fatal(err)
	}
	return argv
}

// flagValues collects the values of a flag written as "--flag value" in argv.
func flagValues(argv []string, flag string) []string {
	var out []string
	for i := 0; i+1 < len(argv); i++ {
		if argv[i] == flag {
			out = append(out, argv[i+1])
		}
	}
	return out
}

func checkPodService(t *testing.T, pod manifest.Pod, s *parsedUnit) {
	t.Helper()
	argv := execArgv(t, s, "ExecStartPre")
	// Quadlet passes --exit-policy=stop first; ours, later on the line, must win.
	stop, cont := slices.Index(argv, "--exit-policy=stop"), slices.Index(argv, "--exit-policy=continue")
	if cont < 0 || cont < stop {
		t.Errorf("pod create does not end with --exit-policy=continue: %q", argv)
	}
	if got := flagValues(argv, "--name"); !slices.Equal(got, []string{PodName(pod.Namespace, pod.Name)}) {
		t.Errorf("pod name %q", got)
	}
	var labels []string
	for k, v := range pod.Labels {
		labels = append(labels, k+"="+v)
	}
	if got := flagValues(argv, "--label"); !sameSet(got, labels) {
		t.Errorf("pod labels %q, want %q", got, labels)
	}
	var ports []string
	for _, p := range manifest.PublishedPorts(&pod.Spec) {
		if !strings.Contains(p.HostIP, ":") {
			ports = append(ports, strings.TrimPrefix(p.HostIP+":", ":")+itoa(p.HostPort)+":"+itoa(p.ContainerPort)+"/"+strings.ToLower(string(p.Protocol)))
		}
	}
	// A port only a probe of the agent names is published on itself, as a legacy pod's.
	for _, k := range ProbePorts(&pod.Spec) {
		ports = append(ports, itoa(k.Port)+":"+itoa(k.Port)+"/tcp")
	}
	if got := flagValues(argv, "--publish"); !sameSet(got, ports) {
		t.Errorf("published ports %q, want %q", got, ports)
	}
}

func checkContainerService(t *testing.T, pod manifest.Pod, c *corev1.Container, services map[string]*parsedUnit) {
	t.Helper()
	name := ContainerServiceName(pod.Namespace, pod.Name, c.Name)
	s := services[name]
	argv := execArgv(t, s, "ExecStart")
	env := expectedEnv(pod, c)
	var wantEnv []string
	for k, v := range env {
		wantEnv = append(wantEnv, k+"="+v)
	}
	if got := flagValues(argv, "--env"); !sameSet(got, wantEnv) {
		t.Errorf("%s: environment\n got %q\nwant %q", name, got, wantEnv)
	}
	var wantSecrets []string
	for _, v := range secretEnv(pod, c) {
		wantSecrets = append(wantSecrets, v)
	}
	var gotSecrets []string
	for _, v := range flagValues(argv, "--secret") {
		if strings.Contains(v, ",type=env,") {
			gotSecrets = append(gotSecrets, v)
		}
	}
	if !sameSet(gotSecrets, wantSecrets) {
		t.Errorf("%s: secrets as environment\n got %q\nwant %q", name, gotSecrets, wantSecrets)
	}
	if strings.Contains(strings.Join(argv, " "), goldenSecretValue) {
		t.Errorf("%s: a Secret's value is on podman's command line: %q", name, argv)
	}
	var labels []string
	for k, v := range pod.Labels {
		labels = append(labels, k+"="+v)
	}
	if got := flagValues(argv, "--label"); !sameSet(got, labels) {
		t.Errorf("%s: labels %q, want %q", name, got, labels)
	}
	if got := flagValues(argv, "--workdir"); c.WorkingDir != "" && !slices.Equal(got, []string{c.WorkingDir}) {
		t.Errorf("%s: working dir %q, want %q", name, got, c.WorkingDir)
	}
	lookup := func(n string) (string, bool) { v, ok := env[n]; return v, ok }
	var want []string
	for _, w := range append(slices.Clone(c.Command), c.Args...) {
		want = append(want, expand(w, lookup))
	}
	checkHealthCmd(t, name, c, argv, env)
	image := slices.Index(argv, c.Image)
	if image < 0 {
		t.Fatalf("%s: no image %s in %q", name, c.Image, argv)
	}
	if len(c.Command) > 0 {
		ep := flagValues(argv, "--entrypoint")
		var got []string
		if len(ep) != 1 || json.Unmarshal([]byte(ep[0]), &got) != nil || !slices.Equal(got, want) {
			t.Errorf("%s: entrypoint %q, want %q", name, ep, want)
		}
		if image != len(argv)-1 {
			t.Errorf("%s: words after the image with an entrypoint: %q", name, argv[image+1:])
		}
	} else if got := argv[image+1:]; !slices.Equal(got, want) && len(got)+len(want) > 0 {
		t.Errorf("%s: arguments\n got %q\nwant %q", name, got, want)
	}
}

// checkHealthCmd checks that podman gets the probe's command as a JSON array holding the
// probe's words exactly: the exec command, or the httpGet path and headers.
func checkHealthCmd(t *testing.T, name string, c *corev1.Container, argv []string, env map[string]string) {
	t.Helper()
	// Only the livenessProbe is podman's health check; the agent runs the readinessProbe.
	probe := c.LivenessProbe
	hc := flagValues(argv, "--health-cmd")
	if probe == nil {
		if len(hc) > 0 {
			t.Errorf("%s: a health check without a probe: %q", name, hc)
		}
		return
	}
	var cmd []string
	if len(hc) != 1 || json.Unmarshal([]byte(hc[0]), &cmd) != nil {
		t.Fatalf("%s: health command %q is not one JSON array", name, hc)
	}
	var want []string
	switch {
	case probe.Exec != nil:
		lookup := func(n string) (string, bool) { v, ok := env[n]; return v, ok }
		for _, w := range probe.Exec.Command {
			want = append(want, expand(w, lookup))
		}
		if len(want) == 1 {
			want = append([]string{ProbeBinary, "probe", "exec", "--"}, want...)
		}
	case probe.HTTPGet != nil:
		want = []string{ProbeBinary, "probe", "http", "--path", probe.HTTPGet.Path}
		for _, h := range probe.HTTPGet.HTTPHeaders {
			want = append(want, "--header", h.Name+": "+h.Value)
		}
	case probe.TCPSocket != nil:
		want = []string{ProbeBinary, "probe", "tcp"}
	}
	for i, w := range want {
		if !slices.Contains(cmd, w) || i > 0 && !containsPair(cmd, want, i) {
			t.Errorf("%s: health command %q lacks %q", name, cmd, w)
		}
	}
}

// containsPair tells whether want[i-1] is followed by want[i] somewhere in cmd, for the
// flags and their values; the leading words only need to be present.
func containsPair(cmd, want []string, i int) bool {
	if !strings.HasPrefix(want[i-1], "--") {
		return true
	}
	for j := 0; j+1 < len(cmd); j++ {
		if cmd[j] == want[i-1] && cmd[j+1] == want[i] {
			return true
		}
	}
	return false
}

// expectedEnv is the environment Kubernetes would give the container, for the fieldRefs
// the golden cases use.
// A Secret's values are not part of it: they reach the container through podman's secrets
// (expectedSecrets), and a $(VAR) of one stays unexpanded.
func expectedEnv(pod manifest.Pod, c *corev1.Container) map[string]string {
	env := map[string]string{}
	lookup := func(n string) (string, bool) { v, ok := env[n]; return v, ok }
	for _, ef := range c.EnvFrom {
		if ef.ConfigMapRef == nil {
			continue
		}
		if cm, ok := goldenConfig.ConfigMap(pod.Namespace, ef.ConfigMapRef.Name); ok {
			for k, v := range cm.Data {
				if len(validation.IsEnvVarName(ef.Prefix+k)) == 0 {
					env[ef.Prefix+k] = v
				}
			}
		}
	}
	for _, e := range c.Env {
		if e.ValueFrom == nil {
			env[e.Name] = expand(e.Value, lookup)
			continue
		}
		if s := e.ValueFrom.ConfigMapKeyRef; s != nil {
			if cm, ok := goldenConfig.ConfigMap(pod.Namespace, s.Name); ok {
				if v, ok := cm.Data[s.Key]; ok {
					env[e.Name] = v
				}
			}
			continue
		}
		if e.ValueFrom.SecretKeyRef != nil {
			delete(env, e.Name)
			continue
		}
		switch f := e.ValueFrom.FieldRef.FieldPath; f {
		case "metadata.name":
			env[e.Name] = pod.Name
		case "metadata.namespace":
			env[e.Name] = pod.Namespace
		case "spec.nodeName":
			env[e.Name] = goldenOptions.NodeName
		case "status.podIP":
			env[e.Name] = goldenOptions.PodIP
		case "status.hostIP":
			env[e.Name] = goldenOptions.HostIP
		default:
			key, _ := subscript(f, "metadata.labels")
			if v, ok := pod.Labels[key]; ok {
				env[e.Name] = v
			}
			key, _ = subscript(f, "metadata.annotations")
			if v, ok := pod.Annotations[key]; ok {
				env[e.Name] = v
			}
		}
	}
	for k := range secretEnv(pod, c) {
		delete(env, k)
	}
	return env
}

// secretEnv maps the variables the container takes from Secrets to the podman secret
// options that carry them, the way the kubelet resolves env over envFrom.
func secretEnv(pod manifest.Pod, c *corev1.Container) map[string]string {
	out := map[string]string{}
	for _, ef := range c.EnvFrom {
		if ef.SecretRef == nil {
			if cm, ok := goldenConfig.ConfigMap(pod.Namespace, ef.ConfigMapRef.Name); ok {
				for k := range cm.Data {
					delete(out, ef.Prefix+k)
				}
			}
			continue
		}
		if s, ok := goldenConfig.Secret(pod.Namespace, ef.SecretRef.Name); ok {
			for k := range s.Data {
				out[ef.Prefix+k] = SecretName(s.Namespace, s.Name, k, s.ResourceVersion) + ",type=env,target=" + ef.Prefix + k
			}
		}
	}
	for _, e := range c.Env {
		delete(out, e.Name)
		if e.ValueFrom == nil || e.ValueFrom.SecretKeyRef == nil {
			continue
		}
		ref := e.ValueFrom.SecretKeyRef
		if s, ok := goldenConfig.Secret(pod.Namespace, ref.Name); ok {
			if _, ok := s.Data[ref.Key]; ok {
				out[e.Name] = SecretName(s.Namespace, s.Name, ref.Key, s.ResourceVersion) + ",type=env,target=" + e.Name
			}
		}
	}
	return out
}

func sameSet(a, b []string) bool {
	return slices.Equal(slices.Sorted(slices.Values(a)), slices.Sorted(slices.Values(b)))
}

func itoa(n int32) string { return strconv.Itoa(int(n)) }
