package quadlet

import (
	"errors"
	"fmt"
	"slices"
	"strings"
	"testing"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/resource"
	"k8s.io/apimachinery/pkg/util/intstr"

	"github.com/podman-swarm/podman-swarm/manifest"
)

// testPod is a one-container pod that a case changes through edit.
func testPod(edit func(p *manifest.Pod)) manifest.Pod {
	p := manifest.Pod{
		Namespace: "default",
		Name:      "web",
		Labels:    map[string]string{"app": "web"},
		Spec: corev1.PodSpec{Containers: []corev1.Container{{
			Name:  "app",
			Image: "localhost/app:1",
		}}},
	}
	if edit != nil {
		edit(&p)
	}
	return p
}

func ptr[T any](v T) *T { return &v }

// unitOf parses the unit with the given file name out of a result.
func unitOf(t *testing.T, res Result, name string) *parsedUnit {
	t.Helper()
	for _, u := range res.Units {
		if u.Name == name {
			pu, err := parseQuadlet(u.Text)
			if err != nil {
				t.Fatalf("%s: %v", name, err)
			}
			return pu
		}
	}
	t.Fatalf("no unit %s in %v", name, unitNames(res))
	return nil
}

func unitNames(res Result) []string {
	var names []string
	for _, u := range res.Units {
		names = append(names, u.Name)
	}
	return names
}

const (
	podFile = "swarm-default_web.pod"
	appFile = "swarm-default_web_app.container"
)

func TestRenderErrors(t *testing.T) {
	for _, tc := range []struct {
		name string
		edit func(p *manifest.Pod)
		want string
	}{
		{"no containers", func(p *manifest.Pod) { p.Spec.Containers = nil }, "spec.containers: a pod needs at least one container"},
		{"resourceFieldRef env", func(p *manifest.Pod) {
			p.Spec.Containers[0].Env = []corev1.EnvVar{{Name: "MEM", ValueFrom: &corev1.EnvVarSource{ResourceFieldRef: &corev1.ResourceFieldSelector{Resource: "limits.memory"}}}}
		}, "spec.containers[0].env[0].valueFrom.resourceFieldRef: not supported: only fieldRef, configMapKeyRef and secretKeyRef can be resolved on the node"},
		{"fileKeyRef env", func(p *manifest.Pod) {
			p.Spec.Containers[0].Env = []corev1.EnvVar{{Name: "A", ValueFrom: &corev1.EnvVarSource{FileKeyRef: &corev1.FileKeySelector{Key: "a"}}}}
		}, "spec.containers[0].env[0].valueFrom.fileKeyRef: not supported"},
		{"envFrom without source", func(p *manifest.Pod) {
			p.Spec.Containers[0].EnvFrom = []corev1.EnvFromSource{{Prefix: "X"}}
		}, "spec.containers[0].envFrom[0]: names no source: set configMapRef or secretRef"},
		{"uid fieldRef", func(p *manifest.Pod) {
			p.Spec.Containers[0].Env = []corev1.EnvVar{{Name: "UID", ValueFrom: &corev1.EnvVarSource{FieldRef: &corev1.ObjectFieldSelector{FieldPath: "metadata.uid"}}}}
		}, `spec.containers[0].env[0].valueFrom.fieldRef.fieldPath: "metadata.uid" is not supported`},
		{"NUL in env", func(p *manifest.Pod) {
			p.Spec.Containers[0].Env = []corev1.EnvVar{{Name: "A", Value: "a\x00b"}}
		}, `spec.containers[0].env[0]: "a\x00b" contains a NUL byte`},
		{"env name with space", func(p *manifest.Pod) {
			p.Spec.Containers[0].Env = []corev1.EnvVar{{Name: "A B", Value: "x"}}
		}, `spec.containers[0].env[0].name: "A B" holds white space`},
		{"env name with =", func(p *manifest.Pod) {
			p.Spec.Containers[0].Env = []corev1.EnvVar{{Name: "A=B", Value: "x"}}
		}, `spec.containers[0].env[0].name: "A=B" holds '='`},
		{"pvc volume without a claim", func(p *manifest.Pod) {
			p.Spec.Volumes = []corev1.Volume{{Name: "data", VolumeSource: corev1.VolumeSource{PersistentVolumeClaim: &corev1.PersistentVolumeClaimVolumeSource{}}}}
		}, `spec.volumes[0].persistentVolumeClaim.claimName: Required value`},
		{"pvc volume with a bad claim name", func(p *manifest.Pod) {
			p.Spec.Volumes = []corev1.Volume{{Name: "data", VolumeSource: corev1.VolumeSource{PersistentVolumeClaim: &corev1.PersistentVolumeClaimVolumeSource{ClaimName: "Data_1"}}}}
		}, `spec.volumes[0].persistentVolumeClaim.claimName: "Data_1" is not a valid claim name`},
		{"pvc and emptyDir in one volume", func(p *manifest.Pod) {
			p.Spec.Volumes = []corev1.Volume{{Name: "data", VolumeSource: corev1.VolumeSource{EmptyDir: &corev1.EmptyDirVolumeSource{},
				PersistentVolumeClaim: &corev1.PersistentVolumeClaimVolumeSource{ClaimName: "data"}}}}
		}, `spec.volumes[0]: volume "data" has two types`},
		{"pvc and configMap in one volume", func(p *manifest.Pod) {
			p.Spec.Volumes = []corev1.Volume{{Name: "data", VolumeSource: corev1.VolumeSource{ConfigMap: &corev1.ConfigMapVolumeSource{Optional: ptr(true)},
				PersistentVolumeClaim: &corev1.PersistentVolumeClaimVolumeSource{ClaimName: "data"}}}}
		}, `spec.volumes[0]: volume "data" has two types`},
		{"pvc and secret in one volume", func(p *manifest.Pod) {
			p.Spec.Volumes = []corev1.Volume{{Name: "data", VolumeSource: corev1.VolumeSource{Secret: &corev1.SecretVolumeSource{SecretName: "s", Optional: ptr(true)},
				PersistentVolumeClaim: &corev1.PersistentVolumeClaimVolumeSource{ClaimName: "data"}}}}
		}, `spec.volumes[0]: volume "data" has two types`},
		{"subPath out of a claim", func(p *manifest.Pod) {
			p.Spec.Volumes = []corev1.Volume{{Name: "data", VolumeSource: corev1.VolumeSource{PersistentVolumeClaim: &corev1.PersistentVolumeClaimVolumeSource{ClaimName: "data"}}}}
			p.Spec.Containers[0].VolumeMounts = []corev1.VolumeMount{{Name: "data", MountPath: "/data", SubPath: "../x"}}
		}, `spec.containers[0].volumeMounts[0].subPath: "../x" leaves the volume`},
		{"subPath of a claim with a comma", func(p *manifest.Pod) {
			p.Spec.Volumes = []corev1.Volume{{Name: "data", VolumeSource: corev1.VolumeSource{PersistentVolumeClaim: &corev1.PersistentVolumeClaimVolumeSource{ClaimName: "data"}}}}
			p.Spec.Containers[0].VolumeMounts = []corev1.VolumeMount{{Name: "data", MountPath: "/data", SubPath: "a,b"}}
		}, `spec.containers[0].volumeMounts[0].subPath: "a,b" holds ','`},
		{"projected volume", func(p *manifest.Pod) {
			p.Spec.Volumes = []corev1.Volume{{Name: "cfg", VolumeSource: corev1.VolumeSource{Projected: &corev1.ProjectedVolumeSource{}}}}
		}, `spec.volumes[0].projected: volume "cfg" has type projected, which is not supported; only emptyDir, hostPath, configMap, secret and persistentVolumeClaim volumes are`},
		{"newline in workingDir", func(p *manifest.Pod) { p.Spec.Containers[0].WorkingDir = "/a\nb" }, `spec.containers[0].workingDir: "/a\nb" contains the control character U+000A`},
		{"relative workingDir", func(p *manifest.Pod) { p.Spec.Containers[0].WorkingDir = "app" }, `spec.containers[0].workingDir: "app" is not an absolute path`},
		{"lone semicolon arg", func(p *manifest.Pod) { p.Spec.Containers[0].Args = []string{"-exec", ";"} }, `spec.containers[0].args[1]: ";" is exactly ";", which systemd reads as the end of the command; set command too`},
		{"empty arg", func(p *manifest.Pod) { p.Spec.Containers[0].Args = []string{"a", ""} }, `spec.containers[0].args[1]: "" is empty`},
		{"empty command", func(p *manifest.Pod) { p.Spec.Containers[0].Command = []string{""} }, "spec.containers[0].command[0]: the program to run is empty"},
		{"no image", func(p *manifest.Pod) { p.Spec.Containers[0].Image = "" }, "spec.containers[0].image: a container needs an image"},
		{"image like a unit", func(p *manifest.Pod) { p.Spec.Containers[0].Image = "web.image" }, `spec.containers[0].image: "web.image" ends like a Quadlet .image or .build unit`},
		{"bad pull policy", func(p *manifest.Pod) { p.Spec.Containers[0].ImagePullPolicy = "Sometimes" }, `spec.containers[0].imagePullPolicy: "Sometimes" is not one of`},
		{"grpc probe", func(p *manifest.Pod) {
			p.Spec.Containers[0].LivenessProbe = &corev1.Probe{ProbeHandler: corev1.ProbeHandler{GRPC: &corev1.GRPCAction{Port: 9000}}}
		}, "spec.containers[0].livenessProbe.grpc: not supported: gRPC probes are not supported"},
		{"unknown named port", func(p *manifest.Pod) {
			p.Spec.Containers[0].ReadinessProbe = &corev1.Probe{ProbeHandler: corev1.ProbeHandler{HTTPGet: &corev1.HTTPGetAction{Port: intstr.FromString("http")}}}
		}, `spec.containers[0].readinessProbe.httpGet.port: the container has no port named "http"`},
		{"probe without handler", func(p *manifest.Pod) { p.Spec.Containers[0].LivenessProbe = &corev1.Probe{PeriodSeconds: 3} }, "spec.containers[0].livenessProbe: a probe needs exactly one of exec, httpGet, tcpSocket"},
		{"privileged", func(p *manifest.Pod) {
			p.Spec.Containers[0].SecurityContext = &corev1.SecurityContext{Privileged: ptr(true)}
		}, "spec.containers[0].securityContext.privileged: not supported"},
		{"non-root as root", func(p *manifest.Pod) {
			p.Spec.Containers[0].SecurityContext = &corev1.SecurityContext{RunAsNonRoot: ptr(true), RunAsUser: ptr(int64(0))}
		}, "spec.containers[0].securityContext.runAsNonRoot: the container runs as user 0"},
		{"hostPID", func(p *manifest.Pod) { p.Spec.HostPID = true }, "spec.hostPID: not supported"},
		{"label key with =", func(p *manifest.Pod) { p.Labels = map[string]string{"a=b": "c"} }, `metadata.labels: the label key "a=b" is empty or holds '='`},
		{"mount of a missing volume", func(p *manifest.Pod) {
			p.Spec.Containers[0].VolumeMounts = []corev1.VolumeMount{{Name: "data", MountPath: "/data"}}
		}, `spec.containers[0].volumeMounts[0].name: no volume "data" in spec.volumes`},
		{"subPath on emptyDir", func(p *manifest.Pod) {
			p.Spec.Volumes = []corev1.Volume{{Name: "data"}}
			p.Spec.Containers[0].VolumeMounts = []corev1.VolumeMount{{Name: "data", MountPath: "/data", SubPath: "x"}}
		}, `spec.containers[0].volumeMounts[0].subPath: not supported on emptyDir volume "data"`},
		{"subPath out of the volume", func(p *manifest.Pod) {
			p.Spec.Volumes = []corev1.Volume{{Name: "h", VolumeSource: corev1.VolumeSource{HostPath: &corev1.HostPathVolumeSource{Path: "/srv"}}}}
			p.Spec.Containers[0].VolumeMounts = []corev1.VolumeMount{{Name: "h", MountPath: "/data", SubPath: "../etc"}}
		}, `spec.containers[0].volumeMounts[0].subPath: "../etc" leaves the volume`},
		{"colon in mountPath", func(p *manifest.Pod) {
			p.Spec.Volumes = []corev1.Volume{{Name: "data"}}
			p.Spec.Containers[0].VolumeMounts = []corev1.VolumeMount{{Name: "data", MountPath: "/a:b"}}
		}, `spec.containers[0].volumeMounts[0].mountPath: "/a:b" holds ':'`},
		{"hugepages emptyDir", func(p *manifest.Pod) {
			p.Spec.Volumes = []corev1.Volume{{Name: "data", VolumeSource: corev1.VolumeSource{EmptyDir: &corev1.EmptyDirVolumeSource{Medium: corev1.StorageMediumHugePages}}}}
		}, `spec.volumes[0].emptyDir.medium: "HugePages" is not supported`},
		{"dnsPolicy None without servers", func(p *manifest.Pod) { p.Spec.DNSPolicy = corev1.DNSNone }, "spec.dnsConfig.nameservers: dnsPolicy None needs at least one nameserver"},
		{"bad restartPolicy", func(p *manifest.Pod) { p.Spec.RestartPolicy = "Sometimes" }, `spec.restartPolicy: "Sometimes" is not one of Always, OnFailure, Never`},
		{"bad hostIP", func(p *manifest.Pod) {
			p.Spec.Containers[0].Ports = []corev1.ContainerPort{{ContainerPort: 80, HostIP: "nowhere"}}
		}, `spec.containers[0].ports[0]: hostIP "nowhere" is not an IP address`},
		{"bad container name", func(p *manifest.Pod) { p.Spec.Containers[0].Name = "a_b" }, `spec.containers[0].name: "a_b" is not a valid container name`},
		{"huge value", func(p *manifest.Pod) {
			p.Spec.Containers[0].Env = []corev1.EnvVar{{Name: "BIG", Value: strings.Repeat("x", 200<<10)}}
		}, "spec.containers[0]: too large to run: podman's command line would hold a word of about 204804 bytes"},
		{"huge environment", func(p *manifest.Pod) {
			for i := 0; i < 20; i++ {
				p.Spec.Containers[0].Env = append(p.Spec.Containers[0].Env, corev1.EnvVar{Name: fmt.Sprintf("V%d", i), Value: strings.Repeat("x", 100<<10)})
			}
		}, "spec.containers[0]: too large to run"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := Render(testPod(tc.edit), Options{})
			if err == nil || !strings.HasPrefix(err.Error(), tc.want) {
				t.Fatalf("err = %v\nwant one starting with %s", err, tc.want)
			}
			// The field is what comes before the reason, and nothing else.
			var fe *FieldError
			wantField, _, _ := strings.Cut(tc.want, ": ")
			if !errors.As(err, &fe) || fe.Field != wantField || fe.Field+": "+fe.Reason != err.Error() {
				t.Errorf("err = %#v, want a FieldError for %s", err, wantField)
			}
		})
	}
}

func TestRenderWarnings(t *testing.T) {
	for _, tc := range []struct {
		name string
		edit func(p *manifest.Pod)
		want []string
	}{
		{"nothing to say", nil, nil},
		{"requests", func(p *manifest.Pod) {
			p.Spec.Containers[0].Resources.Requests = corev1.ResourceList{corev1.ResourceCPU: resource.MustParse("100m")}
		}, []string{"spec.containers[0].resources.requests: not supported, ignored (requests only inform scheduling)"}},
		{"other limits", func(p *manifest.Pod) {
			p.Spec.Containers[0].Resources.Limits = corev1.ResourceList{corev1.ResourceEphemeralStorage: resource.MustParse("1Gi")}
		}, []string{"spec.containers[0].resources.limits[ephemeral-storage]: not supported, ignored"}},
		{"scheduling fields", func(p *manifest.Pod) {
			p.Spec.NodeSelector = map[string]string{"disk": "ssd"}
			p.Spec.NodeName = "node-1"
			p.Spec.Tolerations = []corev1.Toleration{{Key: "x"}}
		}, []string{"spec.tolerations: not supported, ignored (nodes have no taints)"}},
		{"postStart", func(p *manifest.Pod) {
			p.Spec.Containers[0].Lifecycle = &corev1.Lifecycle{PostStart: &corev1.LifecycleHandler{Sleep: &corev1.SleepAction{Seconds: 5}}}
		}, []string{"spec.containers[0].lifecycle.postStart: not supported, ignored (postStart hooks are not run)"}},
		{"preStop is run", func(p *manifest.Pod) {
			p.Spec.Containers[0].Lifecycle = &corev1.Lifecycle{PreStop: &corev1.LifecycleHandler{Sleep: &corev1.SleepAction{Seconds: 5}}}
		}, nil},
		{"startup probe alone", func(p *manifest.Pod) {
			p.Spec.Containers[0].StartupProbe = &corev1.Probe{ProbeHandler: corev1.ProbeHandler{TCPSocket: &corev1.TCPSocketAction{Port: intstr.FromInt32(80)}}}
		}, nil}, // the agent runs it
		{"readiness and liveness differ", func(p *manifest.Pod) {
			p.Spec.Containers[0].LivenessProbe = &corev1.Probe{ProbeHandler: corev1.ProbeHandler{TCPSocket: &corev1.TCPSocketAction{Port: intstr.FromInt32(80)}}}
			p.Spec.Containers[0].ReadinessProbe = &corev1.Probe{SuccessThreshold: 2, ProbeHandler: corev1.ProbeHandler{HTTPGet: &corev1.HTTPGetAction{Port: intstr.FromInt32(80)}}}
		}, nil}, // the agent runs the readinessProbe, and honours its successThreshold
		{"liveness success threshold", func(p *manifest.Pod) {
			p.Spec.Containers[0].LivenessProbe = &corev1.Probe{SuccessThreshold: 2, ProbeHandler: corev1.ProbeHandler{TCPSocket: &corev1.TCPSocketAction{Port: intstr.FromInt32(80)}}}
		}, []string{"spec.containers[0].livenessProbe.successThreshold: not supported, ignored (one success makes the container healthy)"}},
		{"same readiness and liveness", func(p *manifest.Pod) {
			probe := &corev1.Probe{ProbeHandler: corev1.ProbeHandler{TCPSocket: &corev1.TCPSocketAction{Port: intstr.FromInt32(80)}}}
			p.Spec.Containers[0].LivenessProbe = probe
			p.Spec.Containers[0].ReadinessProbe = probe.DeepCopy()
		}, nil},
		{"unknown pod IP", func(p *manifest.Pod) {
			p.Spec.Containers[0].Env = []corev1.EnvVar{{Name: "IP", ValueFrom: &corev1.EnvVarSource{FieldRef: &corev1.ObjectFieldSelector{FieldPath: "status.podIP"}}}}
		}, []string{"spec.containers[0].env[0].valueFrom.fieldRef.fieldPath: status.podIP is not known here (Options.PodIP is empty), the variable is empty"}},
		{"hostPath to create", func(p *manifest.Pod) {
			p.Spec.Volumes = []corev1.Volume{{Name: "h", VolumeSource: corev1.VolumeSource{HostPath: &corev1.HostPathVolumeSource{Path: "/srv", Type: ptr(corev1.HostPathDirectoryOrCreate)}}}}
		}, []string{"spec.volumes[0].hostPath.type: DirectoryOrCreate is not honoured: podman does not create the path, it must exist"}},
		{"runAsGroup alone", func(p *manifest.Pod) {
			p.Spec.SecurityContext = &corev1.PodSecurityContext{RunAsGroup: ptr(int64(10))}
		}, []string{"spec.containers[0].securityContext.runAsGroup: not supported, ignored (podman needs runAsUser with it)"}},
		{"service account token", func(p *manifest.Pod) {
			p.Spec.AutomountServiceAccountToken = ptr(true)
			p.Spec.EnableServiceLinks = ptr(false)
		}, []string{"spec.automountServiceAccountToken: not supported, ignored (there are no service account tokens)"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			res, err := Render(testPod(tc.edit), Options{})
			if err != nil {
				t.Fatal(err)
			}
			var got []string
			for _, w := range res.Warnings {
				got = append(got, w.String())
			}
			if !slices.Equal(got, tc.want) {
				t.Errorf("warnings\n got %q\nwant %q", got, tc.want)
			}
		})
	}
}

// keyCase checks the values of one key of one unit after a change to the test pod.
type keyCase struct {
	name               string
	edit               func(p *manifest.Pod)
	opts               Options
	file, section, key string
	want               []string
}

func TestRenderKeys(t *testing.T) {
	httpProbe := func(p *corev1.Probe) {
		p.ProbeHandler = corev1.ProbeHandler{HTTPGet: &corev1.HTTPGetAction{Port: intstr.FromInt32(80)}}
	}
	for _, tc := range []keyCase{
		{"pull default for a tag", nil, Options{}, appFile, "Container", "Pull", []string{"missing"}},
		{"pull default for latest", func(p *manifest.Pod) { p.Spec.Containers[0].Image = "a/b:latest" }, Options{}, appFile, "Container", "Pull", []string{"always"}},
		{"pull default without a tag", func(p *manifest.Pod) { p.Spec.Containers[0].Image = "registry:5000/b" }, Options{}, appFile, "Container", "Pull", []string{"always"}},
		{"pull Never", func(p *manifest.Pod) { p.Spec.Containers[0].ImagePullPolicy = corev1.PullNever }, Options{}, appFile, "Container", "Pull", []string{"never"}},
		{"restart Never", func(p *manifest.Pod) { p.Spec.RestartPolicy = corev1.RestartPolicyNever }, Options{}, appFile, "Service", "Restart", []string{"no"}},
		{"restart OnFailure", func(p *manifest.Pod) { p.Spec.RestartPolicy = corev1.RestartPolicyOnFailure }, Options{}, appFile, "Service", "Restart", []string{"on-failure"}},
		{"args only", func(p *manifest.Pod) { p.Spec.Containers[0].Args = []string{"-v", "a b"} }, Options{}, appFile, "Container", "Exec", []string{`-v "a b"`}},
		{"command and args", func(p *manifest.Pod) {
			p.Spec.Containers[0].Command = []string{"find", "/"}
			p.Spec.Containers[0].Args = []string{"-exec", "rm", "{}", ";", ""}
		}, Options{}, appFile, "Container", "Entrypoint", []string{`["find","/","-exec","rm","{}",";",""]`}},
		{"env expansion", func(p *manifest.Pod) {
			p.Spec.Containers[0].Env = []corev1.EnvVar{{Name: "A", Value: "1"}, {Name: "B", Value: "$(A)2$$(A)$(C)"}, {Name: "A", Value: "3"}}
		}, Options{}, appFile, "Container", "Environment", []string{"A=3", `"B=12$$(A)$$(C)"`}},
		{"readiness alone", func(p *manifest.Pod) {
			p.Spec.Containers[0].ReadinessProbe = &corev1.Probe{}
			httpProbe(p.Spec.Containers[0].ReadinessProbe)
		}, Options{}, appFile, "Container", "HealthOnFailure", nil},
		{"liveness kills", func(p *manifest.Pod) {
			p.Spec.Containers[0].LivenessProbe = &corev1.Probe{}
			httpProbe(p.Spec.Containers[0].LivenessProbe)
		}, Options{}, appFile, "Container", "HealthOnFailure", []string{"kill"}},
		{"probe binary from options", func(p *manifest.Pod) {
			p.Spec.Containers[0].LivenessProbe = &corev1.Probe{}
			httpProbe(p.Spec.Containers[0].LivenessProbe)
		}, Options{SwarmBinary: "/opt/swarm/bin/swarm"}, appFile, "Container", "Volume", []string{"/opt/swarm/bin/swarm:/.swarm/swarm:ro"}},
		{"one-word exec probe", func(p *manifest.Pod) {
			p.Spec.Containers[0].LivenessProbe = &corev1.Probe{ProbeHandler: corev1.ProbeHandler{Exec: &corev1.ExecAction{Command: []string{"/healthy"}}}}
		}, Options{}, appFile, "Container", "HealthCmd", []string{`["/.swarm/swarm","probe","exec","--","/healthy"]`}},
		{"exec probe named CMD", func(p *manifest.Pod) {
			p.Spec.Containers[0].LivenessProbe = &corev1.Probe{ProbeHandler: corev1.ProbeHandler{Exec: &corev1.ExecAction{Command: []string{"cmd", "/c"}}}}
		}, Options{}, appFile, "Container", "HealthCmd", []string{`["/.swarm/swarm","probe","exec","--","cmd","/c"]`}},
		{"tcp probe", func(p *manifest.Pod) {
			p.Spec.Containers[0].Ports = []corev1.ContainerPort{{Name: "db", ContainerPort: 5432}}
			p.Spec.Containers[0].LivenessProbe = &corev1.Probe{ProbeHandler: corev1.ProbeHandler{TCPSocket: &corev1.TCPSocketAction{Port: intstr.FromString("db")}}, TimeoutSeconds: 3}
		}, Options{}, appFile, "Container", "HealthCmd", []string{`["/.swarm/swarm","probe","tcp","--host","127.0.0.1","--port","5432","--timeout","3s"]`}},
		{"https probe with host", func(p *manifest.Pod) {
			p.Spec.Containers[0].LivenessProbe = &corev1.Probe{ProbeHandler: corev1.ProbeHandler{HTTPGet: &corev1.HTTPGetAction{Host: "::1", Port: intstr.FromInt32(443), Scheme: corev1.URISchemeHTTPS}}}
		}, Options{}, appFile, "Container", "HealthCmd", []string{`["/.swarm/swarm","probe","http","--host","::1","--port","443","--path","/","--scheme","https","--timeout","1s"]`}},
		{"limits", func(p *manifest.Pod) {
			p.Spec.Containers[0].Resources.Limits = corev1.ResourceList{corev1.ResourceCPU: resource.MustParse("1250m"), corev1.ResourceMemory: resource.MustParse("1Gi")}
		}, Options{}, appFile, "Container", "PodmanArgs", []string{"--cpus=1.25 --memory=1073741824"}},
		{"host network", func(p *manifest.Pod) {
			p.Spec.HostNetwork = true
			p.Spec.Containers[0].Ports = []corev1.ContainerPort{{ContainerPort: 80}}
		}, Options{Network: "pasta"}, podFile, "Pod", "Network", []string{"host"}},
		{"host network publishes nothing", func(p *manifest.Pod) {
			p.Spec.HostNetwork = true
			p.Spec.Containers[0].Ports = []corev1.ContainerPort{{ContainerPort: 80}}
		}, Options{}, podFile, "Pod", "PublishPort", nil},
		{"ports", func(p *manifest.Pod) {
			p.Spec.Containers[0].Ports = []corev1.ContainerPort{{ContainerPort: 80}, {ContainerPort: 53, Protocol: corev1.ProtocolUDP, HostPort: 5353}, {ContainerPort: 443, HostIP: "2001:db8::1"}}
		}, Options{PublishAddress: "198.18.0.12"}, podFile, "Pod", "PublishPort", []string{"198.18.0.12:80:80/tcp", "198.18.0.12:5353:53/udp", "[2001:db8::1]:443:443/tcp"}},
		{"dns Default", func(p *manifest.Pod) { p.Spec.DNSPolicy = corev1.DNSDefault }, Options{DNS: []string{"10.0.0.1"}}, podFile, "Pod", "DNS", nil},
		{"dns config", func(p *manifest.Pod) {
			p.Spec.DNSPolicy = corev1.DNSNone
			p.Spec.DNSConfig = &corev1.PodDNSConfig{Nameservers: []string{"1.1.1.1"}, Options: []corev1.PodDNSConfigOption{{Name: "ndots", Value: ptr("2")}, {Name: "rotate"}}}
		}, Options{DNS: []string{"10.0.0.1"}}, podFile, "Pod", "DNSOption", []string{"ndots:2", "rotate"}},
		{"cluster domain", func(p *manifest.Pod) {}, Options{ClusterDomain: "cluster.local"}, podFile, "Pod", "DNSOption", []string{"ndots:5"}},
		{"the pod's ndots wins over the cluster's", func(p *manifest.Pod) {
			p.Spec.DNSConfig = &corev1.PodDNSConfig{Options: []corev1.PodDNSConfigOption{{Name: "ndots", Value: ptr("1")}, {Name: "edns0"}}}
		}, Options{ClusterDomain: "cluster.local"}, podFile, "Pod", "DNSOption", []string{"ndots:1", "edns0"}},
		{"dns Default ignores the cluster domain", func(p *manifest.Pod) { p.Spec.DNSPolicy = corev1.DNSDefault }, Options{ClusterDomain: "cluster.local"}, podFile, "Pod", "DNSOption", nil},
		{"host aliases", func(p *manifest.Pod) {
			p.Spec.HostAliases = []corev1.HostAlias{{IP: "10.1.2.3", Hostnames: []string{"db", "db.local"}}}
		}, Options{}, podFile, "Pod", "AddHost", []string{"db:10.1.2.3", "db.local:10.1.2.3"}},
		{"long pod name", func(p *manifest.Pod) { p.Name = strings.Repeat("a", 62) + ".b" }, Options{}, "swarm-default_" + strings.Repeat("a", 62) + ".b.pod", "Pod", "PodmanArgs", []string{"--exit-policy=continue", "--hostname " + strings.Repeat("a", 62), "--label app=web"}},
		{"shared process namespace", func(p *manifest.Pod) { p.Spec.ShareProcessNamespace = ptr(true); p.Labels = nil }, Options{}, podFile, "Pod", "PodmanArgs", []string{"--exit-policy=continue", "--hostname web", "--share=+pid"}},
		{"grace period", func(p *manifest.Pod) { p.Spec.TerminationGracePeriodSeconds = ptr(int64(120)) }, Options{}, appFile, "Service", "TimeoutStopSec", []string{"150"}},
		{"user from the pod", func(p *manifest.Pod) {
			p.Spec.SecurityContext = &corev1.PodSecurityContext{RunAsUser: ptr(int64(33)), SupplementalGroups: []int64{5, 6}}
		}, Options{}, appFile, "Container", "GroupAdd", []string{"5", "6"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			res, err := Render(testPod(tc.edit), tc.opts)
			if err != nil {
				t.Fatal(err)
			}
			got := unitOf(t, res, tc.file).lookupAll(tc.section, tc.key)
			if !slices.Equal(got, tc.want) {
				t.Errorf("%s [%s] %s=\n got %q\nwant %q", tc.file, tc.section, tc.key, got, tc.want)
			}
		})
	}
}

// Init containers run in order before the containers; a sidecar keeps running.
func TestRenderInitContainers(t *testing.T) {
	pod := testPod(func(p *manifest.Pod) {
		p.Spec.InitContainers = []corev1.Container{
			{Name: "migrate", Image: "localhost/migrate:1"},
			{Name: "proxy", Image: "localhost/proxy:1", RestartPolicy: ptr(corev1.ContainerRestartPolicyAlways)},
		}
	})
	res, err := Render(pod, Options{})
	if err != nil {
		t.Fatal(err)
	}
	want := []string{podFile, "swarm-default_web_migrate.container", "swarm-default_web_proxy.container", appFile}
	if got := unitNames(res); !slices.Equal(got, want) {
		t.Fatalf("units %v, want %v", got, want)
	}
	migrate := unitOf(t, res, "swarm-default_web_migrate.container")
	if got := migrate.lookupAll("Service", "Type"); !slices.Equal(got, []string{"oneshot"}) {
		t.Errorf("init container Type=%q", got)
	}
	if got := migrate.lookupAll("Service", "Restart"); !slices.Equal(got, []string{"on-failure"}) {
		t.Errorf("init container Restart=%q", got)
	}
	proxy := unitOf(t, res, "swarm-default_web_proxy.container")
	if got := proxy.lookupAll("Service", "Type"); got != nil {
		t.Errorf("sidecar Type=%q", got)
	}
	if got := proxy.lookupAll("Unit", "Requires"); !slices.Equal(got, []string{"swarm-default_web_migrate.service"}) {
		t.Errorf("sidecar Requires=%q", got)
	}
	app := unitOf(t, res, appFile)
	if got := app.lookupAll("Unit", "After"); !slices.Equal(got, []string{"swarm-default_web_proxy.service"}) {
		t.Errorf("container After=%q", got)
	}
	if got := app.lookupAll("Unit", "Requires"); !slices.Equal(got, []string{"swarm-default_web_migrate.service"}) {
		t.Errorf("container Requires=%q", got)
	}
}

// The same pod always renders to the same text.
func TestRenderIsDeterministic(t *testing.T) {
	pod := testPod(func(p *manifest.Pod) {
		p.Labels = map[string]string{"a": "1", "b": "2", "c": "3", "d": "4", "e": "5"}
		p.Spec.Containers[0].Resources.Limits = corev1.ResourceList{corev1.ResourceCPU: resource.MustParse("1"), corev1.ResourceMemory: resource.MustParse("1Gi"), "example.com/x": resource.MustParse("1")}
	})
	first, err := Render(pod, Options{})
	if err != nil {
		t.Fatal(err)
	}
	for i := 0; i < 20; i++ {
		again, _ := Render(pod, Options{})
		if !slices.Equal(again.Units, first.Units) || !slices.Equal(again.Warnings, first.Warnings) {
			t.Fatal("two renders of one pod differ")
		}
	}
}

func TestOwner(t *testing.T) {
	res, err := Render(testPod(nil), Options{})
	if err != nil {
		t.Fatal(err)
	}
	for _, u := range res.Units {
		if key, ok := Owner(u.Text); !ok || key != "default/web" {
			t.Errorf("Owner(%s) = %q, %v", u.Name, key, ok)
		}
	}
	for _, text := range []string{
		"",
		"[Container]\nImage=x\n",
		"# podman-swarm pod default/web\n\n[Container]\nX-Swarm-Pod=default/web\n",
		"# podman-swarm pod default/web\n\n[Unit]\nX-Swarm-Pod=default/other\n",
		"# something else\n\n[Unit]\nX-Swarm-Pod=default/web\n",
	} {
		if key, ok := Owner(text); ok {
			t.Errorf("Owner(%q) = %q, true", text, key)
		}
	}
}

func TestExpand(t *testing.T) {
	vars := map[string]string{"A": "1", "EMPTY": ""}
	lookup := func(n string) (string, bool) { v, ok := vars[n]; return v, ok }
	for _, tc := range []struct{ in, want string }{
		{"plain", "plain"},
		{"$(A)", "1"},
		{"x$(A)y$(A)", "x1y1"},
		{"$(B)", "$(B)"},
		{"$(EMPTY)", ""},
		{"$$(A)", "$(A)"},
		{"$$$(A)", "$1"},
		{"$$", "$"},
		{"$", "$"},
		{"a$", "a$"},
		{"$A", "$A"},
		{"$(A", "$(A"},
		{"$()", "$()"},
		{"${A}", "${A}"},
	} {
		if got := expand(tc.in, lookup); got != tc.want {
			t.Errorf("expand(%q) = %q, want %q", tc.in, got, tc.want)
		}
	}
}
