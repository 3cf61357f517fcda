package main

import (
	"bytes"
	"encoding/base64"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// secretValue is a value only the Secret holds, so that finding it anywhere is a leak.
const secretValue = "pw-7f3a9c1e"

const configManifest = `apiVersion: v1
kind: ConfigMap
metadata: {name: app}
data: {greeting: hello, app.properties: "a=1"}
binaryData: {logo.png: AAEC}
---
apiVersion: v1
kind: Secret
metadata: {name: db}
type: Opaque
stringData: {password: ` + secretValue + `, user: admin}
`

func writeManifest(t *testing.T, text string) string {
	t.Helper()
	file := filepath.Join(t.TempDir(), "app.yaml")
	if err := os.WriteFile(file, []byte(text), 0o600); err != nil {
		t.Fatal(err)
	}
	return file
}

func TestConfigMapsAndSecretsThroughTheCLI(t *testing.T) {
	c := startAgent(t)
	var applied bytes.Buffer
	if err := runApply(c, writeManifest(t, configManifest), false, nil, &applied); err != nil {
		t.Fatal(err)
	}
	if strings.Contains(applied.String(), secretValue) {
		t.Errorf("apply shows the secret:\n%s", applied.String())
	}
	get := func(what, name, output string) string {
		t.Helper()
		var out bytes.Buffer
		var err error
		for deadline := time.Now().Add(5 * time.Second); ; time.Sleep(20 * time.Millisecond) {
			out.Reset()
			err = runGet(c, getOptions{namespace: "default", name: name, output: output}, what, &out)
			if err == nil && !strings.Contains(out.String(), "No resources found") || time.Now().After(deadline) {
				break
			}
		}
		if err != nil {
			t.Fatalf("get %s %s: %v", what, name, err)
		}
		return out.String()
	}
	cms := get("cm", "", "")
	if lines := strings.Split(strings.TrimSpace(cms), "\n"); len(lines) != 2 ||
		strings.Join(strings.Fields(lines[0]), " ") != "NAME DATA AGE" || !strings.HasPrefix(strings.Join(strings.Fields(lines[1]), " "), "app 3 ") {
		t.Errorf("get configmaps:\n%s", cms)
	}
	secrets := get("secrets", "", "")
	if lines := strings.Split(strings.TrimSpace(secrets), "\n"); len(lines) != 2 ||
		strings.Join(strings.Fields(lines[0]), " ") != "NAME TYPE DATA AGE" || !strings.HasPrefix(strings.Join(strings.Fields(lines[1]), " "), "db Opaque 2 ") {
		t.Errorf("get secrets:\n%s", secrets)
	}
	y := get("secret", "db", "yaml")
	if !strings.Contains(y, "password: "+base64.StdEncoding.EncodeToString([]byte(secretValue))) || strings.Contains(y, secretValue) || strings.Contains(y, "stringData") {
		t.Errorf("get secret -o yaml shows the data as base64 only:\n%s", y)
	}
	var out bytes.Buffer
	if err := runDescribeKind(c, "secret", "default", "db", &out); err != nil {
		t.Fatal(err)
	}
	d := out.String()
	if strings.Contains(d, secretValue) || !strings.Contains(d, "Type:  Opaque") ||
		!strings.Contains(d, "password:  11 bytes") || !strings.Contains(d, "user:      5 bytes") {
		t.Errorf("describe secret:\n%s", d)
	}
	out.Reset()
	if err := runDescribeKind(c, "configmap", "default", "app", &out); err != nil {
		t.Fatal(err)
	}
	if d := out.String(); !strings.Contains(d, "greeting:\n----\nhello\n") || !strings.Contains(d, "logo.png: 3 bytes") {
		t.Errorf("describe configmap:\n%s", d)
	}

	// An immutable ConfigMap keeps its data: the update is refused, nothing applied.
	immutable := "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: fixed}\nimmutable: true\ndata: {a: '1'}\n"
	if err := runApply(c, writeManifest(t, immutable), false, nil, &bytes.Buffer{}); err != nil {
		t.Fatal(err)
	}
	for deadline := time.Now().Add(5 * time.Second); !strings.Contains(get("cm", "", ""), "fixed"); time.Sleep(20 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatal("fixed never listed")
		}
	}
	changed := strings.Replace(immutable, "a: '1'", "a: '2'", 1) + "---\napiVersion: v1\nkind: ConfigMap\nmetadata: {name: other}\ndata: {b: x}\n"
	err := runApply(c, writeManifest(t, changed), false, nil, &bytes.Buffer{})
	if err == nil || !strings.Contains(err.Error(), "data: Forbidden: field is immutable when `immutable` is set") {
		t.Errorf("update of an immutable configmap: %v", err)
	}
	if strings.Contains(get("cm", "", ""), "other") {
		t.Error("a refused manifest was half applied")
	}
}

func TestDeleteConfigMapAndSecret(t *testing.T) {
	c := startAgent(t)
	if err := runApply(c, writeManifest(t, configManifest), false, nil, &bytes.Buffer{}); err != nil {
		t.Fatal(err)
	}
	for _, k := range []struct{ kind, name, want string }{{"ConfigMap", "app", "configmap/app deleted\n"}, {"Secret", "db", "secret/db deleted\n"}} {
		var out bytes.Buffer
		if err := deleteObject(c, k.kind, "default", k.name, &out); err != nil || out.String() != k.want {
			t.Errorf("delete %s: %v %q", k.kind, err, out.String())
		}
	}
}
