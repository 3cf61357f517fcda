package e2e

import (
	"encoding/json"
	"fmt"
	"strings"
	"testing"
	"time"
)

// rigSecret is the Secret's value in the scene: found anywhere but inside the pods, it leaked.
const rigSecret = "rig-pw-4e1d7a"

// configScene is a ConfigMap, a Secret and a Deployment of two pods (hostPort 8090, one
// per node) that takes both as environment and as volumes.
func configScene(appConf, password string) string {
	return fmt.Sprintf(`apiVersion: v1
kind: ConfigMap
metadata: {name: settings}
data: {GREETING: hello, app.conf: %q}
---
apiVersion: v1
kind: Secret
metadata: {name: db}
stringData: {password: %q}
---
apiVersion: apps/v1
kind: Deployment
metadata: {name: cfgweb}
spec:
  replicas: 2
  selector: {matchLabels: {app: cfgweb}}
  template:
    metadata: {labels: {app: cfgweb}}
    spec:
      volumes:
        - {name: settings, configMap: {name: settings}}
        - {name: db, secret: {secretName: db, defaultMode: 0400}}
      containers:
        - name: web
          image: localhost/swarm-testserver:latest
          imagePullPolicy: Never
          args: ["--listen", ":8080"]
          ports: [{name: http, containerPort: 8080, hostPort: 8090}]
          env:
            - {name: POD_NAME, valueFrom: {fieldRef: {fieldPath: metadata.name}}}
            - {name: GREETING, valueFrom: {configMapKeyRef: {name: settings, key: GREETING}}}
            - {name: PASSWORD, valueFrom: {secretKeyRef: {name: db, key: password}}}
          volumeMounts:
            - {name: settings, mountPath: /etc/app}
            - {name: db, mountPath: /etc/db}
          readinessProbe: {httpGet: {path: /healthz, port: http}, periodSeconds: 1}
`, appConf, password)
}

// cfgPods waits until want cfgweb pods run, ready, and returns their names and nodes.
func cfgPods(t *testing.T, want int) map[string]int {
	t.Helper()
	out := map[string]int{}
	eventually(t, 90*time.Second, fmt.Sprintf("%d cfgweb pods Running and ready", want), func() (bool, string) {
		out = map[string]int{}
		for _, p := range getPods(t) {
			if strings.HasPrefix(p.Metadata.Name, "cfgweb-") && p.Status.Phase == "Running" &&
				len(p.Status.ContainerStatuses) == 1 && p.Status.ContainerStatuses[0].Ready {
				out[p.Metadata.Name] = nodeIndex(p.Spec.NodeName)
			}
		}
		wide, _ := swarmCLI(2, "get", "pods", "-o", "wide")
		return len(out) == want, wide
	})
	return out
}

// inPod asks the testserver of the cfgweb pod on node i for path.
func inPod(i int, path string) (string, error) {
	return httpGet(1+i%nodeCount, "http://"+nodeAddr(i)+":8090"+path)
}

// TestConfigMapsAndSecretsOnTheRig: values reach the pods as environment and files; the
// Secret's value is nowhere else; a ConfigMap change reaches the mounted file without a
// restart; a Secret change rolls the pods that take it as environment; and a pod whose
// ConfigMap is missing starts once it is created.
func TestConfigMapsAndSecretsOnTheRig(t *testing.T) {
	needRig(t)
	apply(t, configScene("v1", rigSecret))
	pods := cfgPods(t, 2)
	t.Cleanup(func() {
		_, _ = swarmCLI(1, "delete", "deployment", "cfgweb")
		_, _ = swarmCLI(1, "delete", "deployment", "late")
		_, _ = swarmCLI(1, "delete", "configmap", "settings")
		_, _ = swarmCLI(1, "delete", "configmap", "late-settings")
		_, _ = swarmCLI(1, "delete", "secret", "db")
	})

	for name, i := range pods {
		for path, want := range map[string]string{
			"/env?k=GREETING":           "hello",
			"/env?k=PASSWORD":           rigSecret,
			"/file?p=/etc/app/app.conf": "v1",
			"/file?p=/etc/db/password":  rigSecret,
		} {
			if got, err := inPod(i, path); err != nil || got != want {
				t.Errorf("%s on n%d: GET %s = %q, %v; want %q", name, i, path, got, err, want)
			}
		}
	}

	t.Run("the Secret's value is in no unit, journal or describe", func(t *testing.T) {
		for i := 1; i <= nodeCount; i++ {
			out, _ := onNode(i, "sh", "-c", "grep -rl -- "+rigSecret+" /home/swarm/.config/containers/systemd/ /run/user/$(id -u)/systemd/generator/ 2>/dev/null; true")
			if strings.TrimSpace(out) != "" {
				t.Errorf("node %d: unit files hold the Secret's value: %s", i, out)
			}
			out, _ = onNode(i, "sh", "-c", "journalctl --user --no-pager -o cat | grep -c -- "+rigSecret+"; true")
			if n := strings.TrimSpace(out); n != "0" {
				t.Errorf("node %d: the journal shows the Secret's value %s times", i, n)
			}
		}
		for name := range pods {
			if out, err := swarmCLI(1, "describe", "pod", name); err != nil || strings.Contains(out, rigSecret) {
				t.Errorf("describe pod %s: %v (value shown: %v)", name, err, strings.Contains(out, rigSecret))
			}
		}
		out, err := swarmCLI(1, "describe", "secret", "db")
		if err != nil || strings.Contains(out, rigSecret) || !strings.Contains(out, "password:") {
			t.Errorf("describe secret: %v\n%s", err, out)
		}
	})

	t.Run("a ConfigMap change is seen in the mounted file without a restart", func(t *testing.T) {
		before := map[string]string{}
		for name, i := range pods {
			before[name] = startedAt(t, i, "swarm-default_"+name+"_web")
		}
		apply(t, configScene("v2", rigSecret))
		eventually(t, 30*time.Second, "every pod reads v2 from /etc/app/app.conf", func() (bool, string) {
			var seen []string
			for _, i := range pods {
				got, _ := inPod(i, "/file?p=/etc/app/app.conf")
				seen = append(seen, got)
				if got != "v2" {
					return false, strings.Join(seen, ", ")
				}
			}
			return true, ""
		})
		for name, i := range pods {
			if after := startedAt(t, i, "swarm-default_"+name+"_web"); after != before[name] {
				t.Errorf("%s restarted for a change of a mounted ConfigMap: %s -> %s", name, before[name], after)
			}
		}
	})

	t.Run("a Secret change rolls the pods that take it as environment", func(t *testing.T) {
		const newSecret = rigSecret + "-2"
		apply(t, configScene("v2", newSecret))
		eventually(t, 90*time.Second, "every pod has the new password in its environment", func() (bool, string) {
			var seen []string
			for _, i := range pods {
				got, _ := inPod(i, "/env?k=PASSWORD")
				seen = append(seen, got)
				if got != newSecret {
					return false, strings.Join(seen, ", ")
				}
			}
			return true, ""
		})
		for i := 1; i <= nodeCount; i++ {
			out, _ := onNode(i, "sh", "-c", "podman secret ls --noheading --format '{{.Name}}' | grep -c '^swarm-default_db_'; true")
			if n := strings.TrimSpace(out); n != "0" && n != "2" {
				t.Errorf("node %d holds %s podman secrets of db, want its current two (env and file share them)", i, n)
			}
		}
	})

	t.Run("a pod whose ConfigMap is missing starts once it is created", func(t *testing.T) {
		late := strings.Replace(strings.Replace(strings.Replace(webManifest(1, "latest"), "name: web}", "name: late}", 1),
			"{app: web}", "{app: late}", -1), "          env:\n", "          envFrom: [{configMapRef: {name: late-settings}}]\n          env:\n", 1)
		late = strings.Replace(late, "hostPort: 8080", "hostPort: 8091", 1)
		apply(t, late)
		eventually(t, 30*time.Second, `late's pod Pending with CreateContainerConfigError: configmap "late-settings" not found`, func() (bool, string) {
			out, _ := swarmCLI(2, "get", "pods", "-o", "json")
			var l struct {
				Items []struct {
					Metadata struct{ Name string }
					Status   struct {
						Phase      string
						Conditions []struct{ Type, Status, Message string }
					}
				}
			}
			_ = json.Unmarshal([]byte(out), &l)
			for _, p := range l.Items {
				if !strings.HasPrefix(p.Metadata.Name, "late-") || p.Status.Phase != "Pending" {
					continue
				}
				for _, c := range p.Status.Conditions {
					if c.Message == `CreateContainerConfigError: configmap "late-settings" not found` {
						return true, ""
					}
				}
			}
			return false, out
		})
		apply(t, "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: late-settings}\ndata: {MODE: late}\n")
		eventually(t, 90*time.Second, "late's pod Running with MODE=late", func() (bool, string) {
			for _, p := range getPods(t) {
				if strings.HasPrefix(p.Metadata.Name, "late-") && p.Status.Phase == "Running" {
					for i := 1; i <= nodeCount; i++ {
						if got, _ := httpGet(1+i%nodeCount, "http://"+nodeAddr(i)+":8091/env?k=MODE"); got == "late" {
							return true, ""
						}
					}
				}
			}
			out, _ := swarmCLI(2, "get", "pods", "-o", "wide")
			return false, out
		})
	})
}
