package quadlet

import (
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/util/intstr"

	"github.com/podman-swarm/podman-swarm/manifest"
)

// checkFacts checks every unit's facts against its own text, read back as Quadlet and
// systemd read it, and against its file name: a reconciler that trusts the facts acts on
// what the unit says.
func checkFacts(t *testing.T, res Result) {
	t.Helper()
	for _, u := range res.Units {
		if ref, ok := ParseUnitName(u.Name); !ok || ref != u.UnitRef {
			t.Errorf("%s: facts %+v, but the name parses to %+v, %v", u.Name, u.UnitRef, ref, ok)
		}
		pu, err := parseQuadlet(u.Text)
		if err != nil {
			t.Fatalf("%s: %v", u.Name, err)
		}
		last := func(section, key string) string {
			vs := pu.lookupAll(section, key)
			if len(vs) == 0 {
				return ""
			}
			return vs[len(vs)-1]
		}
		service := strings.TrimSuffix(u.Service, ".service")
		switch u.Kind {
		case KindPod:
			if got := last("Pod", "ServiceName"); got != service {
				t.Errorf("%s: ServiceName=%s, fact %s", u.Name, got, u.Service)
			}
		case KindVolume:
			if got := last("Volume", "ServiceName"); got != service {
				t.Errorf("%s: ServiceName=%s, fact %s", u.Name, got, u.Service)
			}
			want := u.PodmanVolume
			if u.Claim != "" {
				// A claim's volume is the claim's: the unit deletes none with the pod.
				want = ClaimVolumeName(u.Namespace, u.Claim)
				if u.PodmanVolume != "" || u.Volume != "" {
					t.Errorf("%s: a claim's unit with facts %+v", u.Name, u.UnitRef)
				}
			}
			if got := last("Volume", "VolumeName"); got != want {
				t.Errorf("%s: VolumeName=%s, want %s (facts %+v)", u.Name, got, want, u.UnitRef)
			}
		case KindContainer:
			// Quadlet names a container's service after its file.
			if got := strings.TrimSuffix(u.Name, ExtContainer); got != service {
				t.Errorf("%s: service %s, fact %s", u.Name, got, u.Service)
			}
			if got := last("Service", "Type") == "oneshot"; got != u.Init {
				t.Errorf("%s: oneshot %v, fact Init %v", u.Name, got, u.Init)
			}
			if got := last("Service", "Restart"); got != u.Restart {
				t.Errorf("%s: Restart=%s, fact %q", u.Name, got, u.Restart)
			}
			if got := last("Container", "HealthCmd") != ""; got != u.Health {
				t.Errorf("%s: HealthCmd set %v, fact Health %v", u.Name, got, u.Health)
			}
			if got := last("Container", "Pull"); got != u.Pull {
				t.Errorf("%s: Pull=%s, fact %q", u.Name, got, u.Pull)
			}
			image, _ := pu.lookup("Container", "Image")
			if got, err := rawThroughQuadletAndSystemd(image); err != nil || got != u.Image {
				t.Errorf("%s: Image= reaches podman as %q (%v), fact %q", u.Name, got, err, u.Image)
			}
			continue
		default:
			t.Errorf("%s: kind %q", u.Name, u.Kind)
		}
		if u.Init || u.Restart != "" || u.Health || u.Image != "" || u.Pull != "" {
			t.Errorf("%s: a %s unit with container facts %+v", u.Name, u.Kind, u)
		}
	}
}

// The facts of every golden case agree with the units' text.
func TestFactsMatchGoldenText(t *testing.T) {
	for _, dir := range goldenCases(t) {
		t.Run(filepath.Base(dir), func(t *testing.T) {
			res, err := Render(loadPod(t, filepath.Join(dir, "input.yaml")), goldenOptions)
			if err != nil {
				t.Fatalf("Render: %v", err)
			}
			checkFacts(t, res)
		})
	}
}

// What each kind of container is, as the reconciler needs to know it.
func TestFacts(t *testing.T) {
	pod := testPod(func(p *manifest.Pod) {
		p.Spec.RestartPolicy = corev1.RestartPolicyOnFailure
		p.Spec.InitContainers = []corev1.Container{
			{Name: "migrate", Image: "localhost/migrate:1"},
			{Name: "proxy", Image: "localhost/proxy", RestartPolicy: ptr(corev1.ContainerRestartPolicyAlways),
				LivenessProbe: &corev1.Probe{ProbeHandler: corev1.ProbeHandler{TCPSocket: &corev1.TCPSocketAction{Port: intstr.FromInt32(80)}}}},
		}
		p.Spec.Containers[0].ImagePullPolicy = corev1.PullNever
		p.Spec.Containers[0].ReadinessProbe = &corev1.Probe{ProbeHandler: corev1.ProbeHandler{Exec: &corev1.ExecAction{Command: []string{"true", "x"}}}}
		p.Spec.Containers = append(p.Spec.Containers, corev1.Container{Name: "cost", Image: "localhost/cost:100%",
			StartupProbe: &corev1.Probe{ProbeHandler: corev1.ProbeHandler{Exec: &corev1.ExecAction{Command: []string{"true", "x"}}}}})
		p.Spec.Volumes = []corev1.Volume{{Name: "data"}}
	})
	res, err := Render(pod, Options{})
	if err != nil {
		t.Fatal(err)
	}
	checkFacts(t, res)
	want := []Unit{
		{UnitRef: UnitRef{Name: podFile, Kind: KindPod, Namespace: "default", Pod: "web", Service: "swarm-default_web.service"}},
		{UnitRef: UnitRef{Name: "swarm-default_web_migrate.container", Kind: KindContainer, Namespace: "default", Pod: "web",
			Container: "migrate", Service: "swarm-default_web_migrate.service"},
			Init: true, Restart: "on-failure", Image: "localhost/migrate:1", Pull: "missing"},
		{UnitRef: UnitRef{Name: "swarm-default_web_proxy.container", Kind: KindContainer, Namespace: "default", Pod: "web",
			Container: "proxy", Service: "swarm-default_web_proxy.service"},
			Restart: "always", Health: true, Image: "localhost/proxy", Pull: "always",
			Liveness: &Probe{Kind: ProbeTCP, Port: 80, PeriodSeconds: 10, TimeoutSeconds: 1, SuccessThreshold: 1, FailureThreshold: 3}},
		{UnitRef: UnitRef{Name: appFile, Kind: KindContainer, Namespace: "default", Pod: "web",
			Container: "app", Service: "swarm-default_web_app.service"},
			// A readinessProbe is the agent's, not a health check.
			Restart: "on-failure", Image: "localhost/app:1", Pull: "never",
			Readiness: &Probe{Kind: ProbeExec, Command: []string{"true", "x"}, PeriodSeconds: 10, TimeoutSeconds: 1, SuccessThreshold: 1, FailureThreshold: 3}},
		// A startup probe alone makes no health check.
		{UnitRef: UnitRef{Name: "swarm-default_web_cost.container", Kind: KindContainer, Namespace: "default", Pod: "web",
			Container: "cost", Service: "swarm-default_web_cost.service"},
			Restart: "on-failure", Image: "localhost/cost:100%", Pull: "missing",
			Startup: &Probe{Kind: ProbeExec, Command: []string{"true", "x"}, PeriodSeconds: 10, TimeoutSeconds: 1, SuccessThreshold: 1, FailureThreshold: 3}},
		{UnitRef: UnitRef{Name: "swarm-default_web_data.volume", Kind: KindVolume, Namespace: "default", Pod: "web",
			Volume: "data", Service: "swarm-default_web_data_volume.service", PodmanVolume: "swarm-default_web_data"}},
	}
	if len(res.Units) != len(want) {
		t.Fatalf("units %v", unitNames(res))
	}
	for i, u := range res.Units {
		u.Text = ""
		if !reflect.DeepEqual(u, want[i]) {
			t.Errorf("unit %d:\n got %+v\nwant %+v", i, u, want[i])
		}
	}
}

// With restartPolicy Never nothing restarts, init containers included.
func TestFactsRestartNever(t *testing.T) {
	res, err := Render(testPod(func(p *manifest.Pod) {
		p.Spec.RestartPolicy = corev1.RestartPolicyNever
		p.Spec.InitContainers = []corev1.Container{{Name: "migrate", Image: "localhost/migrate:1"}}
	}), Options{})
	if err != nil {
		t.Fatal(err)
	}
	checkFacts(t, res)
	for _, u := range res.Units {
		if u.Kind == KindContainer && u.Restart != "no" {
			t.Errorf("%s: Restart %q, want no", u.Name, u.Restart)
		}
	}
}
