package e2e

import (
	"encoding/json"
	"fmt"
	"strconv"
	"strings"
	"testing"
	"time"
)

// rigSecret is the Secret's value in the scene: found anywhere but inside the pods, it leaked.
const rigSecret = "rig-pw-4e1d7a"

// configScene is two ConfigMaps, a Secret and a Deployment of two pods (hostPort 8090, one
// per node, so a rollout surges onto the third node) that takes the ConfigMap settings
// and the Secret as environment, and the ConfigMap files and the Secret as volumes. A
// change of files changes mounted files only; a change of the Secret (or of settings)
// rolls the Deployment out.
func configScene(appConf, password string) string {
	return fmt.Sprintf(`apiVersion: v1
kind: ConfigMap
metadata: {name: settings}
data: {GREETING: hello}
---
apiVersion: v1
kind: ConfigMap
metadata: {name: files}
data: {app.conf: %q}
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
        - {name: settings, configMap: {name: files}}
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
// Secret's value is nowhere else; a change of a ConfigMap only mounted reaches the file
// without a restart; a Secret change rolls the Deployment out under its strategy (new
// pods, never fewer than two ready, the old ones unchanged until they go); and a pod whose
// ConfigMap is missing starts once it is created.
func TestConfigMapsAndSecretsOnTheRig(t *testing.T) {
	needRig(t)
	apply(t, configScene("v1", rigSecret))
	pods := cfgPods(t, 2)
	t.Cleanup(func() {
		_, _ = swarmCLI(1, "delete", "deployment", "cfgweb")
		_, _ = swarmCLI(1, "delete", "deployment", "late")
		_, _ = swarmCLI(1, "delete", "configmap", "settings")
		_, _ = swarmCLI(1, "delete", "configmap", "files")
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

	t.Run("a Secret change rolls the Deployment out under its strategy", func(t *testing.T) {
		const newSecret = rigSecret + "-2"
		unitOf := func(i int, name string) string {
			out, err := onNode(i, "cat", "/home/swarm/.config/containers/systemd/swarm-default_"+name+"_web.container")
			if err != nil {
				return "" // gone with its pod
			}
			return out
		}
		units, started := map[string]string{}, map[string]string{}
		for name, i := range pods {
			units[name] = unitOf(i, name)
			started[name] = startedAt(t, i, "swarm-default_"+name+"_web")
		}
		revision := func() string {
			out, err := swarmCLI(1, "get", "deployment", "cfgweb", "-o", "json")
			var d struct {
				Metadata struct{ Annotations map[string]string }
			}
			if err != nil || json.Unmarshal([]byte(out), &d) != nil {
				t.Fatalf("get deployment cfgweb: %v\n%s", err, out)
			}
			return d.Metadata.Annotations["deployment.kubernetes.io/revision"]
		}
		before, _ := strconv.Atoi(revision())
		apply(t, configScene("v2", newSecret))
		// 2 replicas at 25%: maxSurge 1, maxUnavailable 0. Until the new pods have
		// replaced the old ones, two pods are ready at every look and three at most exist;
		// an old pod, as long as it runs, keeps its unit and is not restarted.
		deadline := time.Now().Add(150 * time.Second)
		for {
			ready, total, fresh := 0, 0, 0
			var seen []string
			for _, p := range getPods(t) {
				name := p.Metadata.Name
				if !strings.HasPrefix(name, "cfgweb-") {
					continue
				}
				total++
				ok := p.Status.Phase == "Running" && len(p.Status.ContainerStatuses) == 1 && p.Status.ContainerStatuses[0].Ready
				if ok {
					ready++
				}
				seen = append(seen, fmt.Sprintf("%s on %s ready=%v", name, p.Spec.NodeName, ok))
				i, old := pods[name]
				if !old {
					fresh++
					continue
				}
				if u := unitOf(i, name); u != "" && u != units[name] {
					t.Errorf("the unit of the old pod %s changed while it runs:\n%s\nwas\n%s", name, u, units[name])
				}
				if after := startedAt(t, i, "swarm-default_"+name+"_web"); !strings.HasPrefix(after, "0 ") && after != started[name] {
					t.Errorf("the old pod %s restarted in place: %s -> %s", name, started[name], after)
				}
			}
			if ready < 2 || total > 3 {
				t.Errorf("during the rollout: %d pods, %d ready; want 2 ready and 3 at most: %s", total, ready, strings.Join(seen, ", "))
			}
			if fresh == 2 && total == 2 && ready == 2 {
				break
			}
			if time.Now().After(deadline) {
				t.Fatalf("the rollout did not end: %s", strings.Join(seen, ", "))
			}
			time.Sleep(500 * time.Millisecond)
		}
		rolled := cfgPods(t, 2)
		for name, i := range rolled {
			if _, old := pods[name]; old {
				t.Errorf("pod %s ran before the change: the Deployment did not roll", name)
			}
			for path, want := range map[string]string{"/env?k=PASSWORD": newSecret, "/file?p=/etc/db/password": newSecret, "/file?p=/etc/app/app.conf": "v2"} {
				if got, err := inPod(i, path); err != nil || got != want {
					t.Errorf("%s on n%d: GET %s = %q, %v; want %q", name, i, path, got, err, want)
				}
			}
		}
		if out, err := swarmCLI(1, "rollout", "status", "deployment/cfgweb"); err != nil {
			t.Errorf("rollout status: %v\n%s", err, out)
		}
		if after := revision(); after != strconv.Itoa(before+1) {
			t.Errorf("the Secret's change is revision %s; want %d", after, before+1)
		}
		eventually(t, 30*time.Second, "the old version's podman secrets removed with the old pods", func() (bool, string) {
			var counts []string
			for i := 1; i <= nodeCount; i++ {
				out, _ := onNode(i, "sh", "-c", "podman secret ls --noheading --format '{{.Name}}' | grep -c '^swarm-default_db_'; true")
				n := strings.TrimSpace(out)
				counts = append(counts, n)
				// One key (password) taken as env and as a file is one podman secret per
				// version: a node running a new pod holds one, none when it runs none; two
				// would be the old version left behind.
				if n != "0" && n != "1" {
					return false, "podman secrets of db per node: " + strings.Join(counts, ", ")
				}
			}
			return true, ""
		})
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
