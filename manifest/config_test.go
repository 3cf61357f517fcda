package manifest

import (
	"encoding/base64"
	"strings"
	"testing"

	corev1 "k8s.io/api/core/v1"
)

func TestParseConfigMapAndSecret(t *testing.T) {
	doc := `apiVersion: v1
kind: ConfigMap
metadata: {name: app.config}
data: {greeting: hello, app.properties: "a=1"}
binaryData: {logo.png: ` + base64.StdEncoding.EncodeToString([]byte{0, 1, 2}) + `}
---
apiVersion: v1
kind: Secret
metadata: {name: db, namespace: shop}
data: {password: ` + base64.StdEncoding.EncodeToString([]byte("old")) + `, user: ` + base64.StdEncoding.EncodeToString([]byte("admin")) + `}
stringData: {password: s3cret, token: abc}
`
	set, err := parseString(t, doc)
	if err != nil {
		t.Fatal(err)
	}
	cm, s := set.Objects[0].ConfigMap, set.Objects[1].Secret
	if cm == nil || cm.Data["greeting"] != "hello" || string(cm.BinaryData["logo.png"]) != "\x00\x01\x02" {
		t.Fatalf("configmap = %+v", cm)
	}
	if s == nil || s.Namespace != "shop" || s.Type != corev1.SecretTypeOpaque || s.StringData != nil {
		t.Fatalf("secret = %+v", s)
	}
	// stringData wins over data for the same key, as the API server merges them.
	want := map[string]string{"password": "s3cret", "user": "admin", "token": "abc"}
	for k, v := range want {
		if string(s.Data[k]) != v {
			t.Errorf("data[%s] = %q, want %q", k, s.Data[k], v)
		}
	}
	if len(s.Data) != len(want) {
		t.Errorf("data has %d keys, want %d", len(s.Data), len(want))
	}
}

func TestConfigValidationMessages(t *testing.T) {
	big := strings.Repeat("x", MaxConfigBytes/2+1)
	keyMsg := "a valid config key must consist of alphanumeric characters, '-', '_' or '.' (e.g. 'key.name',  or 'KEY_NAME',  or 'key-name', regex used for validation is '[-._a-zA-Z0-9]+')"
	tests := []struct {
		name, input, want string
	}{
		{"configmap key not a file name", "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: c}\ndata: {a/b: x}\n",
			`app.yaml: document 1 (ConfigMap c): data[a/b]: Invalid value: "a/b": ` + keyMsg},
		{"configmap key dot dot", "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: c}\ndata: {..: x}\n",
			`app.yaml: document 1 (ConfigMap c): data[..]: Invalid value: "..": must not be '..'`},
		{"configmap key in data and binaryData", "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: c}\ndata: {a: x}\nbinaryData: {a: eA==}\n",
			"2 problems in the manifest:\n  app.yaml: document 1 (ConfigMap c): data[a]: Invalid value: \"a\": duplicate of key present in binaryData\n" +
				"  app.yaml: document 1 (ConfigMap c): binaryData[a]: Invalid value: \"a\": duplicate of key present in data"},
		{"configmap over 1 MiB", "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: c}\ndata: {a: " + big + ", b: " + big + "}\n",
			"app.yaml: document 1 (ConfigMap c): []: Too long: may not be more than 1048576 bytes"},
		{"configmap name", "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: C_1}\n",
			`app.yaml: document 1 (ConfigMap C_1): metadata.name: Invalid value: "C_1": must be a DNS-1123 subdomain: a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character (e.g. 'example.com', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*')`},
		{"binaryData not base64", "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: c}\nbinaryData: {a: '%%%'}\n",
			"app.yaml: document 1 (ConfigMap c): Invalid value: illegal base64 data at input byte 0"},
		{"secret data not base64", "apiVersion: v1\nkind: Secret\nmetadata: {name: s}\ndata: {a: 'not base64!'}\n",
			"app.yaml: document 1 (Secret s): Invalid value: illegal base64 data at input byte 3"},
		{"secret over 1 MiB", "apiVersion: v1\nkind: Secret\nmetadata: {name: s}\nstringData: {a: " + big + ", b: " + big + "}\n",
			"app.yaml: document 1 (Secret s): data: Too long: may not be more than 1048576 bytes"},
		{"secret bad key", "apiVersion: v1\nkind: Secret\nmetadata: {name: s}\nstringData: {'a b': x}\n",
			`app.yaml: document 1 (Secret s): data[a b]: Invalid value: "a b": ` + keyMsg},
		{"tls secret without key", "apiVersion: v1\nkind: Secret\nmetadata: {name: s}\ntype: kubernetes.io/tls\nstringData: {tls.crt: x}\n",
			"app.yaml: document 1 (Secret s): data[tls.key]: Required value"},
		{"dockerconfigjson not json", "apiVersion: v1\nkind: Secret\nmetadata: {name: s}\ntype: kubernetes.io/dockerconfigjson\nstringData: {.dockerconfigjson: 'hunter2'}\n",
			`app.yaml: document 1 (Secret s): data[.dockerconfigjson]: Invalid value: "<secret contents redacted>": invalid character 'h' looking for beginning of value`},
		{"service account token", "apiVersion: v1\nkind: Secret\nmetadata: {name: s}\ntype: kubernetes.io/service-account-token\n",
			`app.yaml: document 1 (Secret s): type: Unsupported value: "kubernetes.io/service-account-token": supported values: "Opaque", "kubernetes.io/tls", "kubernetes.io/dockerconfigjson"`},
		{"unknown secret field", "apiVersion: v1\nkind: Secret\nmetadata: {name: s}\nstringdata: {a: b}\n",
			"app.yaml: document 1 (Secret s): stringdata: Unknown field: not part of this kind's schema (check spelling and indentation)"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := parseString(t, tt.input)
			if err == nil {
				t.Fatal("Parse accepted the manifest")
			}
			if err.Error() != tt.want {
				t.Errorf("error:\n got %s\nwant %s", err, tt.want)
			}
			if strings.Contains(err.Error(), "hunter2") {
				t.Errorf("error shows the secret's value: %s", err)
			}
		})
	}
}

func TestPodConfigReferenceMessages(t *testing.T) {
	pod := func(extra string) string {
		return "apiVersion: v1\nkind: Pod\nmetadata: {name: p}\nspec:\n  containers:\n  - name: c\n    image: i\n" + extra
	}
	tests := []struct {
		name, input, want string
	}{
		{"configMapKeyRef without key", pod("    env: [{name: A, valueFrom: {configMapKeyRef: {name: cfg}}}]\n"),
			"app.yaml: document 1 (Pod p): spec.containers[0].env[0].valueFrom.configMapKeyRef.key: Required value"},
		{"secretKeyRef bad key", pod("    env: [{name: A, valueFrom: {secretKeyRef: {name: s, key: 'a/b'}}}]\n"),
			`app.yaml: document 1 (Pod p): spec.containers[0].env[0].valueFrom.secretKeyRef.key: Invalid value: "a/b": a valid config key must consist of alphanumeric characters, '-', '_' or '.' (e.g. 'key.name',  or 'KEY_NAME',  or 'key-name', regex used for validation is '[-._a-zA-Z0-9]+')`},
		{"two sources", pod("    env: [{name: A, valueFrom: {secretKeyRef: {name: s, key: k}, configMapKeyRef: {name: c, key: k}}}]\n"),
			`app.yaml: document 1 (Pod p): spec.containers[0].env[0].valueFrom: Invalid value: "": may not have more than one field specified at a time`},
		{"envFrom without source", pod("    envFrom: [{prefix: X_}]\n"),
			"app.yaml: document 1 (Pod p): spec.containers[0].envFrom[0]: Invalid value: \"\": must specify one of: `configMapRef` or `secretRef`"},
		{"envFrom bad prefix", pod("    envFrom: [{prefix: 'A=', configMapRef: {name: c}}]\n"),
			`app.yaml: document 1 (Pod p): spec.containers[0].envFrom[0].prefix: Invalid value: "A=": a valid environment variable name must consist only of printable ASCII characters other than '='`},
		{"secret volume without name", pod("  volumes: [{name: v, secret: {}}]\n"),
			"app.yaml: document 1 (Pod p): spec.volumes[0].secret.secretName: Required value"},
		{"configMap volume item leaves the volume", pod("  volumes: [{name: v, configMap: {name: c, items: [{key: a, path: ../a}]}}]\n"),
			"2 problems in the manifest:\n  app.yaml: document 1 (Pod p): spec.volumes[0].configMap.items[0].path: Invalid value: \"../a\": must not contain '..'\n" +
				"  app.yaml: document 1 (Pod p): spec.volumes[0].configMap.items[0].path: Invalid value: \"../a\": must not start with '..'"},
		{"configMap volume absolute item", pod("  volumes: [{name: v, configMap: {name: c, items: [{key: a, path: /a}]}}]\n"),
			`app.yaml: document 1 (Pod p): spec.volumes[0].configMap.items[0].path: Invalid value: "/a": must be a relative path`},
		{"defaultMode out of range", pod("  volumes: [{name: v, configMap: {name: c, defaultMode: 1000}}]\n"),
			"app.yaml: document 1 (Pod p): spec.volumes[0].configMap.defaultMode: Invalid value: 1000: must be a number between 0 and 0777 (octal), both inclusive"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := parseString(t, tt.input)
			if err == nil {
				t.Fatal("Parse accepted the manifest")
			}
			if err.Error() != tt.want {
				t.Errorf("error:\n got %s\nwant %s", err, tt.want)
			}
		})
	}
}

func TestImmutableUpdates(t *testing.T) {
	yes, no := true, false
	old := &corev1.ConfigMap{Immutable: &yes, Data: map[string]string{"a": "1"}}
	if errs := ValidateConfigMapUpdate(&corev1.ConfigMap{Immutable: &yes, Data: map[string]string{"a": "1"}}, old); len(errs) != 0 {
		t.Errorf("same immutable configmap refused: %v", errs)
	}
	errs := ValidateConfigMapUpdate(&corev1.ConfigMap{Immutable: &no, Data: map[string]string{"a": "2"}}, old)
	got := FieldErrors(Source{File: "app.yaml", Index: 1, Kind: "ConfigMap", Name: "c"}, errs).Error()
	want := "2 problems in the manifest:\n  app.yaml: document 1 (ConfigMap c): immutable: Forbidden: field is immutable when `immutable` is set\n" +
		"  app.yaml: document 1 (ConfigMap c): data: Forbidden: field is immutable when `immutable` is set"
	if got != want {
		t.Errorf("got\n%s\nwant\n%s", got, want)
	}
	if errs := ValidateConfigMapUpdate(&corev1.ConfigMap{Data: map[string]string{"a": "2"}}, &corev1.ConfigMap{Data: map[string]string{"a": "1"}}); len(errs) != 0 {
		t.Errorf("mutable configmap refused: %v", errs)
	}
	olds := &corev1.Secret{Immutable: &yes, Type: corev1.SecretTypeOpaque, Data: map[string][]byte{"a": []byte("1")}}
	errs = ValidateSecretUpdate(&corev1.Secret{Immutable: &yes, Type: corev1.SecretTypeTLS, Data: map[string][]byte{"a": []byte("2")}}, olds)
	got = FieldErrors(Source{File: "app.yaml", Index: 1, Kind: "Secret", Name: "s"}, errs).Error()
	want = "2 problems in the manifest:\n  app.yaml: document 1 (Secret s): type: Invalid value: \"kubernetes.io/tls\": field is immutable\n" +
		"  app.yaml: document 1 (Secret s): data: Forbidden: field is immutable when `immutable` is set"
	if got != want {
		t.Errorf("got\n%s\nwant\n%s", got, want)
	}
}
