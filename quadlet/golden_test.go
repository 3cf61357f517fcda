package quadlet

import (
	"flag"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"sigs.k8s.io/yaml"

	"github.com/podman-swarm/podman-swarm/manifest"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata")

// goldenOptions are the node facts the golden cases are rendered with.
var goldenOptions = Options{
	DNS:           []string{"198.18.0.11"},
	ClusterDomain: "cluster.local",
	Network:       "pasta:-a,10.0.2.100,-n,24,-g,10.0.2.2",
	PodIP:         "10.0.2.100",
	NodeName:      "node-1",
	HostIP:        "198.18.0.11",
	Config:        goldenConfig,
	ConfigDir:     "/var/lib/swarm-test/config",
}

// goldenConfig are the ConfigMaps and Secrets the golden cases may take values from. The
// Secrets' values must never appear in a unit.
var goldenConfig = manifest.ConfigObjects{
	ConfigMaps: map[string]*corev1.ConfigMap{
		"default/app-config": {
			ObjectMeta: metav1.ObjectMeta{Namespace: "default", Name: "app-config", ResourceVersion: "17.n1"},
			Data: map[string]string{"greeting": "hello world", "app.properties": "a=1\nb=2\n",
				"log.level": "debug", "1st": "skipped: not a variable name"},
			BinaryData: map[string][]byte{"logo.png": {0x89, 'P', 'N', 'G'}},
		},
	},
	Secrets: map[string]*corev1.Secret{
		"default/db": {
			ObjectMeta: metav1.ObjectMeta{Namespace: "default", Name: "db", ResourceVersion: "21.n2"},
			Type:       corev1.SecretTypeOpaque,
			Data:       map[string][]byte{"password": []byte(goldenSecretValue), "user": []byte("admin-" + goldenSecretValue)},
		},
		"default/web-tls": {
			ObjectMeta: metav1.ObjectMeta{Namespace: "default", Name: "web-tls", ResourceVersion: "22.n2"},
			Type:       corev1.SecretTypeTLS,
			Data:       map[string][]byte{"tls.crt": []byte("CERT-" + goldenSecretValue), "tls.key": []byte("KEY-" + goldenSecretValue)},
		},
	},
}

// goldenSecretValue is part of every value of goldenConfig's Secrets.
const goldenSecretValue = "s3cr3t-9d2f"

// warningsFile holds a golden case's expected warnings, one per line.
const warningsFile = "warnings.txt"

// goldenCases lists the folders of testdata that hold an input.yaml.
func goldenCases(t *testing.T) []string {
	t.Helper()
	inputs, err := filepath.Glob(filepath.Join("testdata", "*", "input.yaml"))
	if err != nil || len(inputs) == 0 {
		t.Fatalf("no golden cases: %v", err)
	}
	dirs := make([]string, len(inputs))
	for i, in := range inputs {
		dirs[i] = filepath.Dir(in)
	}
	return dirs
}

// loadPod reads a v1 Pod manifest as the cluster would, with namespace default when empty.
func loadPod(t *testing.T, file string) manifest.Pod {
	t.Helper()
	data, err := os.ReadFile(file)
	if err != nil {
		t.Fatal(err)
	}
	var pod corev1.Pod
	if err := yaml.UnmarshalStrict(data, &pod); err != nil {
		t.Fatalf("%s: %v", file, err)
	}
	if pod.Namespace == "" {
		pod.Namespace = "default"
	}
	return manifest.BarePod(&pod)
}

// unitFiles lists the unit files in a golden folder.
func unitFiles(t *testing.T, dir string) []string {
	t.Helper()
	var names []string
	for _, ext := range []string{ExtPod, ExtContainer, ExtVolume} {
		m, err := filepath.Glob(filepath.Join(dir, "*"+ext))
		if err != nil {
			t.Fatal(err)
		}
		for _, f := range m {
			names = append(names, filepath.Base(f))
		}
	}
	slices.Sort(names)
	return names
}

func TestGolden(t *testing.T) {
	for _, dir := range goldenCases(t) {
		t.Run(filepath.Base(dir), func(t *testing.T) {
			res, err := Render(loadPod(t, filepath.Join(dir, "input.yaml")), goldenOptions)
			if err != nil {
				t.Fatalf("Render: %v", err)
			}
			var warnings strings.Builder
			for _, w := range res.Warnings {
				warnings.WriteString(w.String() + "\n")
			}
			if *update {
				for _, f := range unitFiles(t, dir) {
					if err := os.Remove(filepath.Join(dir, f)); err != nil {
						t.Fatal(err)
					}
				}
				for _, u := range res.Units {
					if err := os.WriteFile(filepath.Join(dir, u.Name), []byte(u.Text), 0o644); err != nil {
						t.Fatal(err)
					}
				}
				if err := os.WriteFile(filepath.Join(dir, warningsFile), []byte(warnings.String()), 0o644); err != nil {
					t.Fatal(err)
				}
				return
			}
			var got []string
			for _, u := range res.Units {
				got = append(got, u.Name)
				want, err := os.ReadFile(filepath.Join(dir, u.Name))
				if err != nil {
					t.Errorf("unexpected unit %s (run go test ./quadlet -run TestGolden -update)", u.Name)
					continue
				}
				if u.Text != string(want) {
					t.Errorf("%s differs from the golden file:\n--- got\n%s--- want\n%s", u.Name, u.Text, want)
				}
			}
			slices.Sort(got)
			if want := unitFiles(t, dir); !slices.Equal(got, want) {
				t.Errorf("units %v, golden files %v", got, want)
			}
			want, err := os.ReadFile(filepath.Join(dir, warningsFile))
			if err != nil {
				t.Fatal(err)
			}
			if warnings.String() != string(want) {
				t.Errorf("warnings differ:\n--- got\n%s--- want\n%s", warnings.String(), want)
			}
		})
	}
}
