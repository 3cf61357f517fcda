package main

import (
	"bytes"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"
)

func TestRenderWritesEveryPod(t *testing.T) {
	out := filepath.Join(t.TempDir(), "units")
	var stdout, stderr bytes.Buffer
	err := runRender(renderOptions{file: "../../contrib/examples/shop.yaml", outDir: out}, nil, &stdout, &stderr)
	if err != nil {
		t.Fatalf("render: %v\n%s", err, stderr.String())
	}
	entries, err := os.ReadDir(out)
	if err != nil {
		t.Fatal(err)
	}
	var pods, containers int
	for _, e := range entries {
		switch filepath.Ext(e.Name()) {
		case ".pod":
			pods++
		case ".container":
			containers++
		}
		if !strings.Contains(stdout.String(), "wrote "+filepath.Join(out, e.Name())+"\n") {
			t.Errorf("%s was written but not reported", e.Name())
		}
	}
	// api: 3 replicas of 2 containers; cache: 1 replica of 1 container.
	if pods != 4 || containers != 7 {
		t.Errorf("wrote %d .pod and %d .container units, want 4 and 7: %v", pods, containers, names(entries))
	}
	if !strings.Contains(stderr.String(), "warning: ") || !strings.Contains(stderr.String(), "resources.requests") {
		t.Errorf("the ignored resource requests were not reported:\n%s", stderr.String())
	}
}

func TestRenderFromStdin(t *testing.T) {
	out := t.TempDir()
	data, err := os.ReadFile("../../contrib/examples/web.yaml")
	if err != nil {
		t.Fatal(err)
	}
	var stdout, stderr bytes.Buffer
	if err := runRender(renderOptions{file: "-", outDir: out}, bytes.NewReader(data), &stdout, &stderr); err != nil {
		t.Fatalf("render: %v", err)
	}
	if n := strings.Count(stdout.String(), "wrote "); n != 4 {
		t.Errorf("wrote %d units, want 4 (2 replicas x .pod + .container):\n%s", n, stdout.String())
	}
}

// A manifest with a bad document writes nothing, not even the good documents' units.
func TestRenderBadManifestWritesNothing(t *testing.T) {
	dir := t.TempDir()
	manifest := filepath.Join(dir, "app.yaml")
	good, _ := os.ReadFile("../../contrib/examples/web.yaml")
	bad := string(good) + "---\napiVersion: apps/v1\nkind: Deployment\nmetadata: {name: broken}\nspec:\n  replicas: 1\n  selector: {matchLabels: {a: b}}\n  template:\n    metadata: {labels: {a: b}}\n    spec:\n      containers: [{name: c}]\n"
	if err := os.WriteFile(manifest, []byte(bad), 0o644); err != nil {
		t.Fatal(err)
	}
	out := filepath.Join(dir, "units")
	var stdout, stderr bytes.Buffer
	err := runRender(renderOptions{file: manifest, outDir: out}, nil, &stdout, &stderr)
	if err == nil {
		t.Fatal("a bad manifest rendered")
	}
	want := manifest + ": document 4 (Deployment broken): spec.template.spec.containers[0].image: Required value: every container needs an image"
	if err.Error() != want {
		t.Errorf("error:\n got %s\nwant %s", err, want)
	}
	if _, statErr := os.Stat(out); !os.IsNotExist(statErr) {
		t.Errorf("the output folder was created: %v", statErr)
	}
	if stdout.Len() != 0 {
		t.Errorf("stdout: %s", stdout.String())
	}
}

// A pod that validates but cannot be rendered (here a volume type a node cannot provide)
// also writes nothing.
func TestRenderUnrenderablePodWritesNothing(t *testing.T) {
	dir := t.TempDir()
	manifest := filepath.Join(dir, "app.yaml")
	doc := "apiVersion: v1\nkind: Pod\nmetadata: {name: p}\nspec:\n  volumes: [{name: s, nfs: {server: nfs.example, path: /x}}]\n  containers: [{name: c, image: i, volumeMounts: [{name: s, mountPath: /s}]}]\n"
	if err := os.WriteFile(manifest, []byte(doc), 0o644); err != nil {
		t.Fatal(err)
	}
	out := filepath.Join(dir, "units")
	var stdout, stderr bytes.Buffer
	err := runRender(renderOptions{file: manifest, outDir: out}, nil, &stdout, &stderr)
	if err == nil || !strings.Contains(err.Error(), "document 1 (Pod p): pod p: ") || !strings.Contains(err.Error(), "spec.volumes[0]") {
		t.Fatalf("error = %v", err)
	}
	if _, statErr := os.Stat(out); !os.IsNotExist(statErr) {
		t.Errorf("the output folder was created: %v", statErr)
	}
}

func names(entries []os.DirEntry) []string {
	var out []string
	for _, e := range entries {
		out = append(out, e.Name())
	}
	sort.Strings(out)
	return out
}

// A claim renders offline: its pods get the claim's volume unit, the request that is not
// enforced and a claim missing from the manifest are warned of.
func TestRenderClaim(t *testing.T) {
	dir := t.TempDir()
	manifestFile := filepath.Join(dir, "db.yaml")
	const doc = `apiVersion: v1
kind: PersistentVolumeClaim
metadata: {name: data}
spec:
  accessModes: [ReadWriteOnce]
  resources: {requests: {storage: 5Gi}}
---
apiVersion: v1
kind: Pod
metadata: {name: db}
spec:
  containers:
  - name: db
    image: localhost/db:1
    volumeMounts: [{name: data, mountPath: /data}, {name: logs, mountPath: /logs}]
  volumes:
  - {name: data, persistentVolumeClaim: {claimName: data}}
  - {name: logs, persistentVolumeClaim: {claimName: logs}}
`
	if err := os.WriteFile(manifestFile, []byte(doc), 0o644); err != nil {
		t.Fatal(err)
	}
	out := filepath.Join(dir, "units")
	var stdout, stderr bytes.Buffer
	if err := runRender(renderOptions{file: manifestFile, outDir: out}, nil, &stdout, &stderr); err != nil {
		t.Fatalf("render: %v\n%s", err, stderr.String())
	}
	unit, err := os.ReadFile(filepath.Join(out, "swarm-default_db_data_claim.volume"))
	if err != nil {
		t.Fatalf("no claim volume unit: %v\n%s", err, stdout.String())
	}
	if !strings.Contains(string(unit), "VolumeName=swarm-default_data\n") {
		t.Errorf("claim unit:\n%s", unit)
	}
	for _, want := range []string{
		"(PersistentVolumeClaim data): spec.resources.requests.storage: 5Gi is not enforced",
		`(Pod db): persistentvolumeclaim "logs" is not in the manifest`,
	} {
		if !strings.Contains(stderr.String(), want) {
			t.Errorf("warnings lack %q:\n%s", want, stderr.String())
		}
	}
}

// A manifest with its ConfigMap and Secret renders offline: the ConfigMap's value in the
// unit, the Secret's never (its podman secret is a create command with the value on
// standard input), and a pod whose ConfigMap is not in the manifest is rendered with a
// warning that it would wait for it.
func TestRenderConfigMapsAndSecrets(t *testing.T) {
	dir := t.TempDir()
	file := filepath.Join(dir, "app.yaml")
	doc := configManifest + `---
apiVersion: v1
kind: Pod
metadata: {name: p}
spec:
  volumes: [{name: cfg, configMap: {name: app}}, {name: creds, secret: {secretName: db}}]
  containers:
  - name: c
    image: i
    env:
    - {name: GREETING, valueFrom: {configMapKeyRef: {name: app, key: greeting}}}
    - {name: PW, valueFrom: {secretKeyRef: {name: db, key: password}}}
    volumeMounts: [{name: cfg, mountPath: /etc/app}, {name: creds, mountPath: /etc/creds}]
---
apiVersion: v1
kind: Pod
metadata: {name: q}
spec:
  containers: [{name: c, image: i, envFrom: [{configMapRef: {name: elsewhere}}]}]
`
	if err := os.WriteFile(file, []byte(doc), 0o644); err != nil {
		t.Fatal(err)
	}
	out := filepath.Join(dir, "units")
	var stdout, stderr bytes.Buffer
	if err := runRender(renderOptions{file: file, outDir: out}, nil, &stdout, &stderr); err != nil {
		t.Fatal(err)
	}
	unit, err := os.ReadFile(filepath.Join(out, "swarm-default_p_c.container"))
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"Environment=GREETING=hello", ",type=env,target=PW", ",type=mount,target=/etc/creds/password,mode=0644",
		"Volume=/var/lib/podman-swarm/config/swarm-default_p/cfg:/etc/app:ro"} {
		if !strings.Contains(string(unit), want) {
			t.Errorf("unit lacks %q:\n%s", want, unit)
		}
	}
	if !strings.Contains(stdout.String(), "podman secret create --replace swarm-default_db_password_") ||
		!strings.Contains(stdout.String(), "# configMap volume /var/lib/podman-swarm/config/swarm-default_p/cfg: a node writes 3 file(s) there") {
		t.Errorf("stdout:\n%s", stdout.String())
	}
	if !strings.Contains(stderr.String(), `document 4 (Pod q): pod q: stays Pending in a cluster until it exists: CreateContainerConfigError: configmap "elsewhere" not found`) {
		t.Errorf("stderr:\n%s", stderr.String())
	}
	all := stdout.String() + stderr.String()
	entries, _ := os.ReadDir(out)
	for _, e := range entries {
		b, _ := os.ReadFile(filepath.Join(out, e.Name()))
		all += string(b)
	}
	if strings.Contains(all, secretValue) {
		t.Errorf("the Secret's value is in the output:\n%s", all)
	}
}

// swarm apply prints the warnings of the units the pods would get.
func TestApplyPrintsWarnings(t *testing.T) {
	c := startAgent(t)
	doc := `apiVersion: v1
kind: ConfigMap
metadata: {name: env}
data: {1st: x, ok: fine}
---
apiVersion: v1
kind: Pod
metadata: {name: p}
spec:
  containers: [{name: c, image: i, envFrom: [{configMapRef: {name: env}}]}]
`
	var stdout, stderr bytes.Buffer
	if err := applyFile(c, writeManifest(t, doc), false, nil, &stdout, &stderr); err != nil {
		t.Fatal(err)
	}
	want := `Warning: app.yaml: document 2 (Pod p): spec.containers[0].envFrom[0]: ConfigMap env: key skipped: "1st" is not a valid environment variable name`
	if !strings.Contains(stderr.String(), "document 2 (Pod p): spec.containers[0].envFrom[0]: ConfigMap env: key skipped: \"1st\" is not a valid environment variable name") ||
		!strings.HasPrefix(stderr.String(), "Warning: ") {
		t.Errorf("stderr:\n%s\nwant a line like\n%s", stderr.String(), want)
	}
}
