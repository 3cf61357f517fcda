package scheduler

import (
	"strings"
	"testing"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/intstr"

	"github.com/podman-swarm/podman-swarm/manifest"
)

func envFromSecret(name string) func(*appsv1.Deployment) {
	return func(d *appsv1.Deployment) {
		c := &d.Spec.Template.Spec.Containers[0]
		c.Env = append(c.Env, corev1.EnvVar{Name: "PW", ValueFrom: &corev1.EnvVarSource{SecretKeyRef: &corev1.SecretKeySelector{
			LocalObjectReference: corev1.LocalObjectReference{Name: name}, Key: "password"}}})
	}
}

func configVolume(name string) func(*appsv1.Deployment) {
	return func(d *appsv1.Deployment) {
		d.Spec.Template.Spec.Volumes = append(d.Spec.Template.Spec.Volumes, corev1.Volume{Name: name,
			VolumeSource: corev1.VolumeSource{ConfigMap: &corev1.ConfigMapVolumeSource{LocalObjectReference: corev1.LocalObjectReference{Name: name}}}})
	}
}

func configObjects(secretVersion, configMapVersion string) manifest.ConfigObjects {
	return manifest.ConfigObjects{
		Secrets: map[string]*corev1.Secret{"default/db": {ObjectMeta: metav1.ObjectMeta{Namespace: "default", Name: "db", ResourceVersion: secretVersion},
			Data: map[string][]byte{"password": []byte("pw")}}},
		ConfigMaps: map[string]*corev1.ConfigMap{"default/files": {ObjectMeta: metav1.ObjectMeta{Namespace: "default", Name: "files", ResourceVersion: configMapVersion}}},
	}
}

// A new version of a Secret the pods take as environment is a new template: new pods with
// new names, under the Deployment's strategy (one above, one below for 4 at 25%), never
// all at once, each step waiting for the new pods to be ready; the old pods go as the
// new ones turn ready, and the pods carry the versions they start with.
func TestSecretChangeRollsOutUnderTheStrategy(t *testing.T) {
	web := deploy("web", 4, envFromSecret("db"), configVolume("files"),
		rolling(intstr.FromString("25%"), intstr.FromString("25%")))
	nodes := []Node{alive("a"), alive("b"), alive("c"), alive("d")}
	in := input(nodes, []*appsv1.Deployment{web})
	in.Config = configObjects("5.n1", "6.n1")
	in = markReady(apply(in, Plan(in)))
	oldHash := manifest.DeploymentHash(web, in.Config)
	if oldHash == deploymentHash(web) {
		t.Fatal("the hash ignores the Secret")
	}
	for _, a := range in.Assignments {
		if a.Pod.TemplateHash != oldHash || a.Pod.ConfigVersions["secret/db"] != "5.n1" || !strings.Contains(a.Pod.Name, oldHash) {
			t.Fatalf("pod %s: hash %s, versions %v", a.Pod.Name, a.Pod.TemplateHash, a.Pod.ConfigVersions)
		}
	}
	if out := Plan(in); !out.Empty() {
		t.Fatalf("nothing changed, yet the plan creates %v, deletes %v", keys(out.Create), removedKeys(out.Delete))
	}

	// A ConfigMap mounted as a volume changes: its files change live, nothing rolls.
	in.Config = configObjects("5.n1", "8.n1")
	if out := Plan(in); !out.Empty() {
		t.Fatalf("a configMap volume's change rolls: creates %v, deletes %v", keys(out.Create), removedKeys(out.Delete))
	}

	in.Config = configObjects("9.n2", "8.n1")
	newHash := manifest.DeploymentHash(web, in.Config)
	if newHash == oldHash {
		t.Fatal("the Secret's new version kept the hash")
	}
	for step := 0; ; step++ {
		if step > 20 {
			t.Fatalf("not done after 20 steps: %v", keys(in.Assignments))
		}
		out := Plan(in)
		in = apply(in, out)
		var old, cur, avail int
		for _, a := range in.Assignments {
			switch a.Pod.TemplateHash {
			case oldHash:
				old++
			case newHash:
				cur++
				if a.Pod.ConfigVersions["secret/db"] != "9.n2" {
					t.Fatalf("new pod %s carries %v", a.Pod.Name, a.Pod.ConfigVersions)
				}
			default:
				t.Fatalf("pod %s of hash %s", a.Pod.Name, a.Pod.TemplateHash)
			}
			if a.Status.Ready {
				avail++
			}
		}
		if old+cur > 5 || avail < 3 {
			t.Fatalf("step %d: %d old and %d new pods, %d available: beyond maxSurge 1 / maxUnavailable 1", step, old, cur, avail)
		}
		if step == 0 && (cur != 2 || old != 3) {
			t.Fatalf("first step: %d new, %d old; want 2 and 3", cur, old)
		}
		if out.Empty() {
			if old != 0 || cur != 4 {
				t.Fatalf("stopped with %d old and %d new pods", old, cur)
			}
			break
		}
		// The plan waits for readiness: planning again before any new pod is ready changes nothing.
		if again := Plan(in); !again.Empty() {
			t.Fatalf("step %d: did not wait for the new pods to be ready", step)
		}
		in = markReady(in)
	}
}

// A Deployment that takes its configuration only through a configMap volume never rolls
// for it, and one that takes nothing keeps the names it always had.
func TestConfigMapVolumeOnlyKeepsItsNames(t *testing.T) {
	web := deploy("web", 2, configVolume("files"))
	in := input([]Node{alive("a"), alive("b")}, []*appsv1.Deployment{web})
	in.Config = configObjects("5.n1", "6.n1")
	out := Plan(in)
	for _, c := range out.Create {
		if c.Pod.TemplateHash != deploymentHash(web) || c.Pod.ConfigVersions != nil {
			t.Errorf("pod %s: hash %s versions %v; want the template's hash %s", c.Pod.Name, c.Pod.TemplateHash, c.Pod.ConfigVersions, deploymentHash(web))
		}
	}
}
