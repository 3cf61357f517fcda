package quadlet

import (
	"errors"
	"path/filepath"
	"reflect"
	"slices"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/util/intstr"

	"github.com/podman-swarm/podman-swarm/manifest"
)

// withPreStop gives the test pod's container a port named http (8080) and the hook h.
func withPreStop(h corev1.LifecycleHandler) func(p *manifest.Pod) {
	return func(p *manifest.Pod) {
		p.Spec.Containers[0].Ports = []corev1.ContainerPort{{Name: "http", ContainerPort: 8080}}
		p.Spec.Containers[0].Lifecycle = &corev1.Lifecycle{PreStop: &h}
	}
}

// The preStop hook comes out of Render as a fact of its container, resolved: a named port
// made its number, the path and scheme defaulted as Kubernetes does.
func TestPreStopFacts(t *testing.T) {
	for _, tc := range []struct {
		name string
		edit func(p *manifest.Pod)
		want *Hook
	}{
		{"none", nil, nil},
		{"exec", withPreStop(corev1.LifecycleHandler{Exec: &corev1.ExecAction{Command: []string{"/bin/app", "drain", "$(HOME)"}}}),
			&Hook{Action: HookExec, Command: []string{"/bin/app", "drain", "$(HOME)"}}},
		{"httpGet by name, defaults", withPreStop(corev1.LifecycleHandler{HTTPGet: &corev1.HTTPGetAction{Port: intstr.FromString("http")}}),
			&Hook{Action: HookHTTPGet, HTTPGet: &HTTPGetHook{Scheme: "http", Port: 8080, Path: "/"}}},
		{"httpGet by number", withPreStop(corev1.LifecycleHandler{HTTPGet: &corev1.HTTPGetAction{
			Port: intstr.FromInt32(8080), Path: "/quit?now=1", Scheme: corev1.URISchemeHTTPS,
			HTTPHeaders: []corev1.HTTPHeader{{Name: "X-A", Value: "b"}},
		}}), &Hook{Action: HookHTTPGet, HTTPGet: &HTTPGetHook{Scheme: "https", Port: 8080, Path: "/quit?now=1", Headers: []corev1.HTTPHeader{{Name: "X-A", Value: "b"}}}}},
		{"httpGet to another host, any port", withPreStop(corev1.LifecycleHandler{HTTPGet: &corev1.HTTPGetAction{Host: "10.9.9.9", Port: intstr.FromInt32(81)}}),
			&Hook{Action: HookHTTPGet, HTTPGet: &HTTPGetHook{Scheme: "http", Host: "10.9.9.9", Port: 81, Path: "/"}}},
		{"httpGet with the node's network, any port", func(p *manifest.Pod) {
			withPreStop(corev1.LifecycleHandler{HTTPGet: &corev1.HTTPGetAction{Port: intstr.FromInt32(9000)}})(p)
			p.Spec.HostNetwork = true
		}, &Hook{Action: HookHTTPGet, HTTPGet: &HTTPGetHook{Scheme: "http", Port: 9000, Path: "/"}}},
		{"httpGet to a port another container declares", func(p *manifest.Pod) {
			withPreStop(corev1.LifecycleHandler{HTTPGet: &corev1.HTTPGetAction{Port: intstr.FromInt32(9090)}})(p)
			p.Spec.Containers = append(p.Spec.Containers, corev1.Container{Name: "side", Image: "localhost/side:1", Ports: []corev1.ContainerPort{{ContainerPort: 9090}}})
		}, &Hook{Action: HookHTTPGet, HTTPGet: &HTTPGetHook{Scheme: "http", Port: 9090, Path: "/"}}},
		{"sleep", withPreStop(corev1.LifecycleHandler{Sleep: &corev1.SleepAction{Seconds: 7}}),
			&Hook{Action: HookSleep, Sleep: 7 * time.Second}},
		{"sleep 0", withPreStop(corev1.LifecycleHandler{Sleep: &corev1.SleepAction{}}),
			&Hook{Action: HookSleep}},
		{"tcpSocket is not run", withPreStop(corev1.LifecycleHandler{TCPSocket: &corev1.TCPSocketAction{Port: intstr.FromInt32(8080)}}), nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			res, err := Render(testPod(tc.edit), Options{})
			if err != nil {
				t.Fatal(err)
			}
			checkFacts(t, res)
			var got *Hook
			for _, u := range res.Units {
				if u.Name == appFile {
					got = u.PreStop
				}
			}
			if !reflect.DeepEqual(got, tc.want) {
				t.Errorf("PreStop = %+v, want %+v", got, tc.want)
			}
		})
	}
}

// A plain init container has ended before its pod stops: its hook is not run, and said so.
func TestPreStopOfInitContainerIgnored(t *testing.T) {
	res, err := Render(testPod(func(p *manifest.Pod) {
		p.Spec.InitContainers = []corev1.Container{{Name: "migrate", Image: "localhost/m:1",
			Lifecycle: &corev1.Lifecycle{PreStop: &corev1.LifecycleHandler{Sleep: &corev1.SleepAction{Seconds: 1}}}}}
	}), Options{})
	if err != nil {
		t.Fatal(err)
	}
	for _, u := range res.Units {
		if u.PreStop != nil {
			t.Errorf("%s: PreStop %+v, want none", u.Name, u.PreStop)
		}
	}
	want := []Warning{{Path: "spec.initContainers[0].lifecycle.preStop", Message: "not supported, ignored (an init container that is not a sidecar has ended before its pod stops)"}}
	if !slices.Equal(res.Warnings, want) {
		t.Errorf("warnings %v, want %v", res.Warnings, want)
	}
}

// Hooks are checked with Kubernetes' rules, and refused with its messages, at the field.
func TestPreStopValidation(t *testing.T) {
	for _, tc := range []struct {
		name string
		edit func(p *manifest.Pod)
		want string
	}{
		{"no handler", withPreStop(corev1.LifecycleHandler{}),
			"spec.containers[0].lifecycle.preStop: Required value: must specify a handler type"},
		{"two handlers", withPreStop(corev1.LifecycleHandler{Exec: &corev1.ExecAction{Command: []string{"x"}}, Sleep: &corev1.SleepAction{Seconds: 1}}),
			"spec.containers[0].lifecycle.preStop.sleep: Forbidden: may not specify more than 1 handler type"},
		{"exec without command", withPreStop(corev1.LifecycleHandler{Exec: &corev1.ExecAction{}}),
			"spec.containers[0].lifecycle.preStop.exec.command: Required value"},
		{"port out of range", withPreStop(corev1.LifecycleHandler{HTTPGet: &corev1.HTTPGetAction{Port: intstr.FromInt32(70000)}}),
			"spec.containers[0].lifecycle.preStop.httpGet.port: Invalid value: 70000: must be between 1 and 65535, inclusive"},
		{"bad port name", withPreStop(corev1.LifecycleHandler{HTTPGet: &corev1.HTTPGetAction{Port: intstr.FromString("Web_Port")}}),
			`spec.containers[0].lifecycle.preStop.httpGet.port: Invalid value: "Web_Port": must contain only alpha-numeric characters (a-z, 0-9), and hyphens (-)`},
		{"unknown port name", withPreStop(corev1.LifecycleHandler{HTTPGet: &corev1.HTTPGetAction{Port: intstr.FromString("admin")}}),
			`spec.containers[0].lifecycle.preStop.httpGet.port: Invalid value: "admin": the container declares no port of this name`},
		{"undeclared port", withPreStop(corev1.LifecycleHandler{HTTPGet: &corev1.HTTPGetAction{Port: intstr.FromInt32(9000)}}),
			"spec.containers[0].lifecycle.preStop.httpGet.port: Invalid value: 9000: the agent reaches the pod through the node port a container port is published on: declare this port (TCP) in a container's ports, or set host"},
		{"scheme", withPreStop(corev1.LifecycleHandler{HTTPGet: &corev1.HTTPGetAction{Port: intstr.FromInt32(8080), Scheme: "FTP"}}),
			`spec.containers[0].lifecycle.preStop.httpGet.scheme: Unsupported value: "FTP": supported values: "HTTP", "HTTPS"`},
		{"header name", withPreStop(corev1.LifecycleHandler{HTTPGet: &corev1.HTTPGetAction{Port: intstr.FromInt32(8080), HTTPHeaders: []corev1.HTTPHeader{{Name: "bad header"}}}}),
			`spec.containers[0].lifecycle.preStop.httpGet.httpHeaders: Invalid value: "bad header": a valid HTTP header must consist of alphanumeric characters or '-' (e.g. 'X-Header-Name', regex used for validation is '[-A-Za-z0-9]+')`},
		{"sleep longer than the grace", withPreStop(corev1.LifecycleHandler{Sleep: &corev1.SleepAction{Seconds: 31}}),
			"spec.containers[0].lifecycle.preStop.sleep: Invalid value: 31: must be non-negative and less than terminationGracePeriodSeconds (30)"},
		{"sleep against the pod's grace", func(p *manifest.Pod) {
			withPreStop(corev1.LifecycleHandler{Sleep: &corev1.SleepAction{Seconds: 6}})(p)
			p.Spec.TerminationGracePeriodSeconds = ptr(int64(5))
		}, "spec.containers[0].lifecycle.preStop.sleep: Invalid value: 6: must be non-negative and less than terminationGracePeriodSeconds (5)"},
		{"negative sleep", withPreStop(corev1.LifecycleHandler{Sleep: &corev1.SleepAction{Seconds: -1}}),
			"spec.containers[0].lifecycle.preStop.sleep: Invalid value: -1: must be non-negative and less than terminationGracePeriodSeconds (30)"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := Render(testPod(tc.edit), Options{})
			if err == nil || err.Error() != tc.want {
				t.Fatalf("err = %v\nwant %s", err, tc.want)
			}
			var fe *FieldError
			if !errors.As(err, &fe) || fe.Field+": "+fe.Reason != err.Error() {
				t.Errorf("err = %#v, want a FieldError", err)
			}
		})
	}
}

// Every container's stop timeout is the pod's grace period (Kubernetes' 30 s when unset,
// never under the kubelet's 2 s), and systemd waits 30 s longer, so that podman, not
// systemd, kills a container that does not stop.
func TestStopTimeout(t *testing.T) {
	for _, tc := range []struct {
		grace       *int64
		stop, unit  string
		gracePeriod time.Duration
	}{
		{nil, "30", "60", 30 * time.Second},
		{ptr(int64(0)), "2", "32", time.Second},
		{ptr(int64(1)), "2", "32", time.Second},
		{ptr(int64(2)), "2", "32", 2 * time.Second},
		{ptr(int64(45)), "45", "75", 45 * time.Second},
		{ptr(int64(600)), "600", "630", 10 * time.Minute},
	} {
		pod := testPod(func(p *manifest.Pod) {
			p.Spec.TerminationGracePeriodSeconds = tc.grace
			p.Spec.InitContainers = []corev1.Container{{Name: "init", Image: "localhost/init:1"}}
		})
		res, err := Render(pod, Options{})
		if err != nil {
			t.Fatal(err)
		}
		for _, file := range []string{appFile, "swarm-default_web_init.container"} {
			u := unitOf(t, res, file)
			if got := u.lookupAll("Container", "StopTimeout"); !slices.Equal(got, []string{tc.stop}) {
				t.Errorf("grace %v: %s StopTimeout=%v, want %s", tc.grace, file, got, tc.stop)
			}
			if got := u.lookupAll("Service", "TimeoutStopSec"); !slices.Equal(got, []string{tc.unit}) {
				t.Errorf("grace %v: %s TimeoutStopSec=%v, want %s", tc.grace, file, got, tc.unit)
			}
		}
		if got := GracePeriod(&pod.Spec); got != tc.gracePeriod {
			t.Errorf("grace %v: GracePeriod = %s, want %s", tc.grace, got, tc.gracePeriod)
		}
	}
}

// The golden case with hooks gives each container the hook its spec asks for.
func TestPreStopGoldenFacts(t *testing.T) {
	res, err := Render(loadPod(t, filepath.Join("testdata", "lifecycle", "input.yaml")), goldenOptions)
	if err != nil {
		t.Fatal(err)
	}
	got := map[string]*Hook{}
	for _, u := range res.Units {
		if u.Kind == KindContainer {
			got[u.Container] = u.PreStop
		}
	}
	want := map[string]*Hook{
		"proxy":  {Action: HookExec, Command: []string{"/bin/proxy", "drain", "--wait=5s"}},
		"app":    {Action: HookHTTPGet, HTTPGet: &HTTPGetHook{Scheme: "http", Port: 8080, Path: "/shutdown?grace=40", Headers: []corev1.HTTPHeader{{Name: "X-Reason", Value: "leaving"}}}},
		"worker": {Action: HookSleep, Sleep: 10 * time.Second},
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("hooks %+v, want %+v", got, want)
	}
}

// Through podman's own Quadlet generator, the grace period reaches podman as
// --stop-timeout, with the stop signal, and systemd waits 30 s longer for the stop.
func TestGeneratorStopTimeout(t *testing.T) {
	dryrun := generatorOrSkip(t)
	pod := loadPod(t, filepath.Join("testdata", "lifecycle", "input.yaml"))
	res, err := Render(pod, goldenOptions)
	if err != nil {
		t.Fatal(err)
	}
	services := runGenerator(t, dryrun, res.Units)
	for _, c := range []string{"proxy", "app", "worker"} {
		s := services[ContainerServiceName(pod.Namespace, pod.Name, c)]
		if s == nil {
			t.Fatalf("no service for container %s", c)
		}
		argv := s.lookupArgs("Service", "ExecStart")
		if got := flagValues(argv, "--stop-timeout"); !slices.Equal(got, []string{"45"}) {
			t.Errorf("%s: --stop-timeout %q, want 45", c, got)
		}
		if got := s.lookupAll("Service", "TimeoutStopSec"); !slices.Equal(got, []string{"75"}) {
			t.Errorf("%s: TimeoutStopSec=%q, want 75", c, got)
		}
		wantSignal := []string(nil)
		if c == "app" {
			wantSignal = []string{"SIGQUIT"}
		}
		if got := flagValues(argv, "--stop-signal"); !slices.Equal(got, wantSignal) {
			t.Errorf("%s: --stop-signal %q, want %q", c, got, wantSignal)
		}
	}
}
