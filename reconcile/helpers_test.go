package reconcile

import (
	"io"
	"log/slog"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"

	"github.com/podman-swarm/podman-swarm/manifest"
	"github.com/podman-swarm/podman-swarm/quadlet"
)

// t0 is when the files of the observed states in the tests were written; t1, after it, is
// when their services started.
var (
	t0 = time.Date(2026, 11, 1, 10, 0, 0, 0, time.UTC)
	t1 = t0.Add(time.Minute)
)

// podSpec is a manifest pod for the tests: one container "app" on image img publishing
// 8080, plus whatever the options change.
func podSpec(name string, opts ...func(*manifest.Pod)) manifest.Pod {
	p := manifest.Pod{Namespace: "default", Name: name, Spec: corev1.PodSpec{
		Containers: []corev1.Container{{
			Name: "app", Image: "localhost/web:1", ImagePullPolicy: corev1.PullNever,
			Ports: []corev1.ContainerPort{{ContainerPort: 8080}},
		}},
	}}
	for _, o := range opts {
		o(&p)
	}
	return p
}

// desire renders a test pod.
func desire(t testing.TB, p manifest.Pod) DesiredPod {
	t.Helper()
	d, _, err := Desire(p, quadlet.Options{})
	if err != nil {
		t.Fatalf("desire %s: %v", p.Key(), err)
	}
	return d
}

// withImage changes the first container's image.
func withImage(img string) func(*manifest.Pod) {
	return func(p *manifest.Pod) { p.Spec.Containers[0].Image = img }
}

// withSidecar adds a second container "side".
func withSidecar(p *manifest.Pod) {
	p.Spec.Containers = append(p.Spec.Containers, corev1.Container{Name: "side", Image: "localhost/side:1", ImagePullPolicy: corev1.PullNever})
}

// withVolume adds an emptyDir volume "data" mounted into the first container.
func withVolume(p *manifest.Pod) {
	p.Spec.Volumes = append(p.Spec.Volumes, corev1.Volume{Name: "data", VolumeSource: corev1.VolumeSource{EmptyDir: &corev1.EmptyDirVolumeSource{}}})
	p.Spec.Containers[0].VolumeMounts = append(p.Spec.Containers[0].VolumeMounts, corev1.VolumeMount{Name: "data", MountPath: "/data"})
}

// withRestart sets the pod's restart policy.
func withRestart(policy corev1.RestartPolicy) func(*manifest.Pod) {
	return func(p *manifest.Pod) { p.Spec.RestartPolicy = policy }
}

// running is the observed state of pods that run as desired: their files written at t0,
// every service loaded and active since t1.
func running(ds ...DesiredPod) Observed {
	obs := Observed{Files: map[string]File{}, Foreign: map[string]bool{}, Units: map[string]UnitState{}}
	for _, d := range ds {
		for name, text := range d.Units {
			obs.Files[name] = File{Pod: d.Key, Text: text, ModTime: t0}
			obs.Units[serviceOf(name)] = activeUnit()
		}
	}
	return obs
}

func activeUnit() UnitState {
	return UnitState{LoadState: "loaded", ActiveState: "active", SubState: "running", Result: "success", ActiveEnter: t1}
}

// set changes one unit of an observed state.
func (o Observed) set(service string, f func(*UnitState)) Observed {
	u := o.Units[service]
	f(&u)
	o.Units[service] = u
	return o
}

func discardLogger() *slog.Logger { return slog.New(slog.NewTextHandler(io.Discard, nil)) }

// readinessProbe is an exec readiness probe.
func readinessProbe() *corev1.Probe {
	return &corev1.Probe{ProbeHandler: corev1.ProbeHandler{Exec: &corev1.ExecAction{Command: []string{"/web", "-probe"}}}}
}
