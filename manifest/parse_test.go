package manifest

import (
	"os"
	"strings"
	"testing"
)

// deployment is a valid Deployment document; tests break one field at a time.
const deployment = `apiVersion: apps/v1
kind: Deployment
metadata:
  name: web
spec:
  replicas: 2
  selector:
    matchLabels: {app: web}
  template:
    metadata:
      labels: {app: web}
    spec:
      containers:
        - name: web
          image: localhost/web:1
          ports:
            - {name: http, containerPort: 8080}
`

func parseString(t *testing.T, data string) (*Set, error) {
	t.Helper()
	return Parse(Input{Name: "app.yaml", Data: []byte(data)})
}

func TestParseDocuments(t *testing.T) {
	tests := []struct {
		name  string
		input string
		want  []string // kind/namespace/name of each object, in order
	}{
		{"one document", deployment, []string{"Deployment/default/web"}},
		{"leading separator and comments", "# my app\n---\n" + deployment + "---\n# nothing here\n---\n",
			[]string{"Deployment/default/web"}},
		{"several documents", deployment + "---\n" + strings.Replace(deployment, "name: web\nspec", "name: api\n  namespace: shop\nspec", 1),
			[]string{"Deployment/default/web", "Deployment/shop/api"}},
		{"separator with trailing comment", "--- # first\n" + deployment, []string{"Deployment/default/web"}},
		{"json document", `{"apiVersion":"v1","kind":"Service","metadata":{"name":"web"},"spec":{"ports":[{"port":80}]}}`,
			[]string{"Service/default/web"}},
		{"list", "apiVersion: v1\nkind: List\nitems:\n- apiVersion: v1\n  kind: Service\n  metadata: {name: a}\n  spec: {ports: [{port: 80}]}\n" +
			"- apiVersion: v1\n  kind: Pod\n  metadata: {name: b, namespace: x}\n  spec: {containers: [{name: c, image: i}]}\n",
			[]string{"Service/default/a", "Pod/x/b"}},
		{"ingress", "apiVersion: networking.k8s.io/v1\nkind: Ingress\nmetadata: {name: web}\nspec:\n  rules:\n  - host: '*.example.test'\n    http:\n      paths:\n      - {path: /, pathType: Prefix, backend: {service: {name: web, port: {number: 80}}}}\n",
			[]string{"Ingress/default/web"}},
		{"windows line endings", strings.ReplaceAll("---\n"+deployment, "\n", "\r\n"), []string{"Deployment/default/web"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			set, err := parseString(t, tt.input)
			if err != nil {
				t.Fatalf("Parse: %v", err)
			}
			var got []string
			for _, o := range set.Objects {
				got = append(got, o.Kind+"/"+o.Meta().Namespace+"/"+o.Meta().Name)
			}
			if strings.Join(got, " ") != strings.Join(tt.want, " ") {
				t.Errorf("objects = %v, want %v", got, tt.want)
			}
		})
	}
}

func TestParseErrors(t *testing.T) {
	tests := []struct {
		name  string
		input string
		want  string // the whole error text
	}{
		{"unknown kind", "apiVersion: apps/v1\nkind: ReplicaSet\nmetadata: {name: c}\n",
			`app.yaml: document 1 (ReplicaSet c): kind: Unsupported value: "ReplicaSet": supported kinds are ` + SupportedKinds},
		{"missing kind", "apiVersion: v1\nmetadata: {name: c}\n",
			"app.yaml: document 1: kind: Required value: every document needs a kind; supported: " + SupportedKinds},
		{"wrong apiVersion", strings.Replace(deployment, "apps/v1", "extensions/v1beta1", 1),
			`app.yaml: document 1 (Deployment web): apiVersion: Unsupported value: "extensions/v1beta1": a Deployment must have apiVersion apps/v1`},
		{"yaml syntax, line counted in the file", deployment + "---\napiVersion: v1\nkind: Service\n  metadata: x\n",
			"app.yaml: document 2: invalid YAML: line 21: mapping values are not allowed in this context"},
		{"not an object", "- a\n- b\n",
			"app.yaml: document 1: not a Kubernetes object: expected a mapping with apiVersion, kind and metadata"},
		{"unknown field", strings.Replace(deployment, "replicas: 2", "replica: 2", 1),
			"app.yaml: document 1 (Deployment web): spec.replica: Unknown field: not part of this kind's schema (check spelling and indentation)"},
		{"duplicate field", strings.Replace(deployment, "replicas: 2", "replicas: 2\n  replicas: 3", 1),
			`app.yaml: document 1: invalid YAML: line 7: key "replicas" already set in map`},
		{"wrong type", strings.Replace(deployment, "replicas: 2", "replicas: two", 1),
			"app.yaml: document 1 (Deployment web): spec.replicas: Invalid value: expected a number, got a JSON string"},
		{"bad quantity", strings.Replace(deployment, "          ports:", "          resources: {limits: {memory: lots}}\n          ports:", 1),
			"app.yaml: document 1 (Deployment web): Invalid value: quantities must match the regular expression '^([+-]?[0-9.]+)([eEinumkKMGTP]*[-+]?[0-9]*)$'"},
		{"missing name", strings.Replace(deployment, "name: web\nspec", "labels: {a: b}\nspec", 1),
			"app.yaml: document 1 (Deployment): metadata.name: Required value: every object needs a name"},
		{"name not DNS-1123", strings.Replace(deployment, "name: web\nspec", "name: Web_1\nspec", 1),
			`app.yaml: document 1 (Deployment Web_1): metadata.name: Invalid value: "Web_1": must be a DNS-1123 label: a lowercase RFC 1123 label must consist of lower case alphanumeric characters or '-', and must start and end with an alphanumeric character (e.g. 'my-name',  or '123-abc', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?')`},
		{"bad namespace", strings.Replace(deployment, "name: web\nspec", "name: web\n  namespace: -x\nspec", 1),
			`app.yaml: document 1 (Deployment web): metadata.namespace: Invalid value: "-x": must be a DNS-1123 label: a lowercase RFC 1123 label must consist of lower case alphanumeric characters or '-', and must start and end with an alphanumeric character (e.g. 'my-name',  or '123-abc', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?')`},
		{"negative replicas", strings.Replace(deployment, "replicas: 2", "replicas: -1", 1),
			"app.yaml: document 1 (Deployment web): spec.replicas: Invalid value: -1: must be greater than or equal to 0"},
		{"too many replicas", strings.Replace(deployment, "replicas: 2", "replicas: 100000", 1),
			"app.yaml: document 1 (Deployment web): spec.replicas: Invalid value: 100000: must be at most 1000: every pod is kept in the store that all nodes replicate"},
		{"missing image", strings.Replace(deployment, "image: localhost/web:1", "imagePullPolicy: Never", 1),
			"app.yaml: document 1 (Deployment web): spec.template.spec.containers[0].image: Required value: every container needs an image"},
		{"port out of range", strings.Replace(deployment, "containerPort: 8080", "containerPort: 70000", 1),
			"app.yaml: document 1 (Deployment web): spec.template.spec.containers[0].ports[0].containerPort: Invalid value: 70000: must be between 1 and 65535, inclusive"},
		{"port zero", strings.Replace(deployment, "containerPort: 8080", "containerPort: 0", 1),
			"app.yaml: document 1 (Deployment web): spec.template.spec.containers[0].ports[0].containerPort: Invalid value: 0: must be between 1 and 65535, inclusive"},
		{"selector does not match", strings.Replace(deployment, "matchLabels: {app: web}", "matchLabels: {app: api}", 1),
			`app.yaml: document 1 (Deployment web): spec.template.metadata.labels: Invalid value: "app=web": ` + "`selector` does not match template `labels` (selector: app=api)"},
		{"selector missing", strings.Replace(deployment, "  selector:\n    matchLabels: {app: web}\n", "", 1),
			"app.yaml: document 1 (Deployment web): spec.selector: Required value: apps/v1 Deployments need a selector that matches spec.template.metadata.labels"},
		{"no containers", strings.Replace(deployment, "      containers:\n        - name: web\n          image: localhost/web:1\n          ports:\n            - {name: http, containerPort: 8080}\n", "      containers: []\n", 1),
			"app.yaml: document 1 (Deployment web): spec.template.spec.containers: Required value: a pod needs at least one container"},
		{"duplicate container", strings.Replace(deployment, "          ports:\n            - {name: http, containerPort: 8080}\n", "        - {name: web, image: other}\n", 1),
			`app.yaml: document 1 (Deployment web): spec.template.spec.containers[1].name: Duplicate value: "web"`},
		{"two containers publish one port", strings.Replace(deployment, "            - {name: http, containerPort: 8080}\n", "            - {name: http, containerPort: 8080}\n        - name: side\n          image: side\n          ports: [{containerPort: 9000, hostPort: 8080}]\n", 1),
			`app.yaml: document 1 (Deployment web): spec.template.spec.containers[1].ports[0].hostPort: Duplicate value: ":8080/TCP (every container port is published on the node, hostPort defaulting to containerPort)"`},
		{"probe on unknown named port", strings.Replace(deployment, "          ports:", "          readinessProbe: {httpGet: {port: web, path: /}}\n          ports:", 1),
			`app.yaml: document 1 (Deployment web): spec.template.spec.containers[0].readinessProbe.httpGet.port: Invalid value: "web": must be a port number or the name of one of this container's ports`},
		{"probe without handler", strings.Replace(deployment, "          ports:", "          livenessProbe: {periodSeconds: 3}\n          ports:", 1),
			"app.yaml: document 1 (Deployment web): spec.template.spec.containers[0].livenessProbe: Required value: must specify a handler type: exec, httpGet or tcpSocket"},
		{"mount of unknown volume", strings.Replace(deployment, "          ports:", "          volumeMounts: [{name: data, mountPath: /data}]\n          ports:", 1),
			`app.yaml: document 1 (Deployment web): spec.template.spec.containers[0].volumeMounts[0].name: Not found: "data"`},
		{"deployment restartPolicy", strings.Replace(deployment, "      containers:", "      restartPolicy: Never\n      containers:", 1),
			`app.yaml: document 1 (Deployment web): spec.template.spec.restartPolicy: Unsupported value: "Never": supported values: "Always"`},
		{"both surge and unavailable zero", strings.Replace(deployment, "  selector:", "  strategy: {rollingUpdate: {maxSurge: 0, maxUnavailable: 0}}\n  selector:", 1),
			`app.yaml: document 1 (Deployment web): spec.strategy.rollingUpdate.maxUnavailable: Invalid value: "0": may not be 0 when ` + "`maxSurge`" + ` is 0: the rollout could never make progress`},
		{"duplicate name in one apply", deployment + "---\n" + deployment,
			`app.yaml: document 2 (Deployment web): metadata.name: Duplicate value: "web": Deployment default/web is already defined in app.yaml: document 1 (Deployment web)`},
		{"service bad port", "apiVersion: v1\nkind: Service\nmetadata: {name: web}\nspec: {ports: [{port: 0}]}\n",
			"app.yaml: document 1 (Service web): spec.ports[0].port: Invalid value: 0: must be between 1 and 65535, inclusive"},
		{"service unsupported type", "apiVersion: v1\nkind: Service\nmetadata: {name: web}\nspec: {type: Balanced, ports: [{port: 80}]}\n",
			`app.yaml: document 1 (Service web): spec.type: Unsupported value: "Balanced": supported values: "ClusterIP", "NodePort", "LoadBalancer", "ExternalName"`},
		{"service nodePort on a ClusterIP", "apiVersion: v1\nkind: Service\nmetadata: {name: web}\nspec: {ports: [{port: 80, nodePort: 30080}]}\n",
			"app.yaml: document 1 (Service web): spec.ports[0].nodePort: Forbidden: may not be used when `type` is 'ClusterIP'"},
		{"service bad clusterIP", "apiVersion: v1\nkind: Service\nmetadata: {name: web}\nspec: {clusterIP: ten, ports: [{port: 80}]}\n",
			`app.yaml: document 1 (Service web): spec.clusterIP: Invalid value: "ten": must be a valid IP address, (e.g. 10.9.8.7 or 2001:db8::ffff)`},
		{"service headless NodePort", "apiVersion: v1\nkind: Service\nmetadata: {name: web}\nspec: {type: NodePort, clusterIP: None, ports: [{port: 80}]}\n",
			`app.yaml: document 1 (Service web): spec.clusterIP: Invalid value: "None": may not be set to 'None' for NodePort services`},
		{"service ExternalName without a name", "apiVersion: v1\nkind: Service\nmetadata: {name: web}\nspec: {type: ExternalName}\n",
			`app.yaml: document 1 (Service web): spec.externalName: Required value`},
		{"service ExternalName bad name", "apiVersion: v1\nkind: Service\nmetadata: {name: web}\nspec: {type: ExternalName, externalName: 'db..example.com'}\n",
			`app.yaml: document 1 (Service web): spec.externalName: Invalid value: "db..example.com": a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character (e.g. 'example.com', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*')`},
		{"ingress without pathType", "apiVersion: networking.k8s.io/v1\nkind: Ingress\nmetadata: {name: web}\nspec: {rules: [{host: a.test, http: {paths: [{path: /, backend: {service: {name: web, port: {number: 80}}}}]}}]}\n",
			"app.yaml: document 1 (Ingress web): spec.rules[0].http.paths[0].pathType: Required value: pathType must be specified"},
		{"ingress bad host", "apiVersion: networking.k8s.io/v1\nkind: Ingress\nmetadata: {name: web}\nspec: {rules: [{host: 'a..test'}]}\n",
			`app.yaml: document 1 (Ingress web): spec.rules[0].host: Invalid value: "a..test": a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character (e.g. 'example.com', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*')`},
		{"list inside list", "apiVersion: v1\nkind: List\nitems:\n- {apiVersion: v1, kind: List, items: []}\n",
			"app.yaml: document 1, item 1 (List): kind: a List cannot contain another List"},
		{"empty manifest", "# nothing\n---\n",
			"app.yaml: document 1: the manifest holds no objects; expected one or more of " + SupportedKinds},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			set, err := parseString(t, tt.input)
			if err == nil {
				t.Fatalf("Parse accepted the manifest: %+v", set.Objects)
			}
			if set != nil {
				t.Errorf("Parse returned objects along with an error")
			}
			if err.Error() != tt.want {
				t.Errorf("error:\n got: %s\nwant: %s", err, tt.want)
			}
		})
	}
}

// One bad document refuses the whole manifest, and every problem is listed at once.
func TestParseRefusesWholeManifest(t *testing.T) {
	bad := strings.Replace(deployment, "name: web\nspec", "name: api\nspec", 1)
	bad = strings.Replace(bad, "image: localhost/web:1", "image: ''", 1)
	bad = strings.Replace(bad, "replicas: 2", "replicas: -3", 1)
	set, err := parseString(t, deployment+"---\n"+bad)
	if set != nil {
		t.Fatalf("got objects from a manifest with a bad document")
	}
	errs, ok := err.(Errors)
	if !ok || len(errs) != 2 {
		t.Fatalf("want 2 errors, got %#v", err)
	}
	if !strings.HasPrefix(err.Error(), "2 problems in the manifest:\n  app.yaml: document 2 (Deployment api): spec.replicas:") {
		t.Errorf("error text: %s", err)
	}
}

func TestParseDefaults(t *testing.T) {
	set, err := parseString(t, deployment)
	if err != nil {
		t.Fatal(err)
	}
	if ns := set.Objects[0].Meta().Namespace; ns != "default" {
		t.Errorf("namespace = %q, want default", ns)
	}
	pods := set.Pods()
	if len(pods) != 2 {
		t.Fatalf("pods = %d, want 2", len(pods))
	}
	for _, p := range pods {
		if !strings.HasPrefix(p.Name, "web-"+p.TemplateHash+"-") || len(p.Name) != len("web-")+len(p.TemplateHash)+6 {
			t.Errorf("pod name %q is not <deployment>-<hash>-<5 chars>", p.Name)
		}
		if p.Labels["app"] != "web" || p.Labels[TemplateHashLabel] != p.TemplateHash {
			t.Errorf("pod labels = %v", p.Labels)
		}
	}
	if pods[0].Name == pods[1].Name {
		t.Errorf("two replicas share the name %s", pods[0].Name)
	}
}

func TestExampleManifestsParse(t *testing.T) {
	for _, f := range []string{"../contrib/examples/web.yaml", "../contrib/examples/shop.yaml"} {
		data, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := Parse(Input{Name: f, Data: data}); err != nil {
			t.Errorf("%s: %v", f, err)
		}
	}
}

func TestDocumentNumbers(t *testing.T) {
	bad := strings.Replace(deployment, "replicas: 2", "replicas: -1", 1)
	for _, tt := range []struct{ name, input, want string }{
		{"comment block above the first separator", "# header\n# more\n---\n" + bad, "document 1 "},
		{"second document", deployment + "---\n" + strings.Replace(bad, "name: web\n", "name: api\n", 1), "document 2 "},
		{"comment-only document in the middle counts", deployment + "---\n# nothing\n---\n" + strings.Replace(bad, "name: web\n", "name: api\n", 1), "document 3 "},
	} {
		t.Run(tt.name, func(t *testing.T) {
			_, err := parseString(t, tt.input)
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("err = %v, want it to name %q", err, tt.want)
			}
		})
	}
}
