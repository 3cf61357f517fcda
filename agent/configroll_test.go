package agent

import (
	"context"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/podman-swarm/podman-swarm/agent/noderuntime"
	"github.com/podman-swarm/podman-swarm/agent/podconfig"
	"github.com/podman-swarm/podman-swarm/agent/store"
	"github.com/podman-swarm/podman-swarm/manifest"
	"github.com/podman-swarm/podman-swarm/quadlet"
)

// memSecrets is podman's secret store in memory.
type memSecrets struct {
	mu     sync.Mutex
	values map[string][]byte
}

func (m *memSecrets) List(_ context.Context, prefix string) ([]string, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	var out []string
	for n := range m.values {
		if strings.HasPrefix(n, prefix) {
			out = append(out, n)
		}
	}
	return out, nil
}

func (m *memSecrets) Create(_ context.Context, name string, data []byte) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.values[name] = data
	return nil
}

func (m *memSecrets) Remove(_ context.Context, name string) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	delete(m.values, name)
	return nil
}

// unitsOf renders the pods it is given as the node's runtime does, with the keeper's
// objects and pins, and keeps each pod's units.
type unitsOf struct {
	opts  quadlet.Options
	units map[string]string
}

func (u *unitsOf) SetDesired(pods []manifest.Pod) {
	u.units = map[string]string{}
	for _, p := range pods {
		res, err := quadlet.Render(p, u.opts)
		if err != nil {
			u.units[p.Name] = "error: " + err.Error()
			continue
		}
		var b strings.Builder
		for _, unit := range res.Units {
			b.WriteString(unit.Text)
		}
		u.units[p.Name] = b.String()
	}
}

// nodeConfig is a node's keeper of what its pods take from ConfigMaps and Secrets, over
// the agent's real store, with its runtime rendering units (these agents run nothing).
type nodeConfig struct {
	a      *Agent
	keeper *podconfig.Keeper
	rt     *unitsOf
	dir    string
}

func newNodeConfig(t *testing.T, a *Agent) *nodeConfig {
	objects := &podconfig.Objects{}
	dir := filepath.Join(t.TempDir(), "config")
	opts := quadlet.Options{Config: objects, Pinned: objects.Pinned, ConfigDir: dir, NodeName: a.cfg.NodeName}
	rt := &unitsOf{opts: opts}
	k := podconfig.NewKeeper(a.Node(), objects, opts, &memSecrets{values: map[string][]byte{}}, rt, testLogger())
	if err := k.KeepPinsIn(filepath.Join(a.cfg.StateDir, PinnedConfigFile)); err != nil {
		t.Fatal(err)
	}
	return &nodeConfig{a: a, keeper: k, rt: rt, dir: dir}
}

// sync hands the keeper the pods the store assigns to the node, as the node's loop does,
// and returns their units by pod name.
func (n *nodeConfig) sync() map[string]string {
	n.keeper.SetDesired(noderuntime.Assigned(store.Read(n.a.Node(), testLogger()), n.a.cfg.NodeName))
	return n.rt.units
}

const rollSecretValue = "pw-6f1d0c"

// shopPods are the pods of Deployment shop the store assigns: old ones (not of hash) and
// current ones (of hash), by name.
func shopPods(t *testing.T, a *Agent, hash string) (old, cur []string) {
	st := store.Read(a.Node(), testLogger())
	for _, as := range st.Assignments {
		if as.Pod.Owner != "shop" {
			continue
		}
		if as.Pod.TemplateHash == hash {
			cur = append(cur, as.Pod.Name)
		} else {
			old = append(old, as.Pod.Name)
		}
	}
	return old, cur
}

func currentShopHash(t *testing.T, a *Agent) string {
	st := store.Read(a.Node(), testLogger())
	return manifest.DeploymentHash(st.Deployments["default/shop"], manifest.ConfigObjects{ConfigMaps: st.ConfigMaps, Secrets: st.Secrets})
}

// TestSecretChangeRollsTheDeployment: through real agents on loopback, a new value of a
// Secret that a Deployment's pods take as env rolls it out as a template change does: new
// pods with new names, old ones removed only as new ones turn ready (maxSurge 0,
// maxUnavailable 1: never fewer than 3 of 4 ready), the running old pods' units never
// changing on their nodes, the new pods' naming the new podman secret. A change of a
// ConfigMap the pods only mount rolls nothing and reaches the mounted files.
func TestSecretChangeRollsTheDeployment(t *testing.T) {
	agents := startAgents(t, 3, nil)
	nodes := make([]*nodeConfig, len(agents))
	for i, a := range agents {
		nodes[i] = newNodeConfig(t, a)
	}
	units := func() map[string]string {
		all := map[string]string{}
		for _, n := range nodes {
			for name, u := range n.sync() {
				all[name] = u
			}
		}
		return all
	}
	const objects = "apiVersion: v1\nkind: Secret\nmetadata: {name: db}\nstringData: {password: %s}\n---\n" +
		"apiVersion: v1\nkind: ConfigMap\nmetadata: {name: files}\ndata: {mode: %s}\n"
	withObjects := func(pw, mode string) string {
		return strings.NewReplacer("%s", pw).Replace(strings.Replace(objects, "mode: %s", "mode: "+mode, 1))
	}
	shop := strings.Replace(deploymentYAML("shop", 4,
		"      volumes: [{name: files, configMap: {name: files}}]\n"),
		"image: localhost/test:1", "image: localhost/test:1\n"+
			"          env: [{name: PW, valueFrom: {secretKeyRef: {name: db, key: password}}}]\n"+
			"          volumeMounts: [{name: files, mountPath: /etc/files}]", 1)
	shop = strings.Replace(shop, "spec:\n  replicas", "spec:\n  strategy: {type: RollingUpdate, rollingUpdate: {maxSurge: 0, maxUnavailable: 1}}\n  replicas", 1)
	apply(t, agents[0], withObjects(rollSecretValue, "a")+"---\n"+shop)

	var first string
	eventually(t, 10*time.Second, "4 shop pods placed and ready", func() bool {
		first = currentShopHash(t, agents[0])
		old, cur := shopPods(t, agents[0], first)
		return len(old) == 0 && len(cur) == 4 && reportReady(t, agents, "shop-") == 4
	})
	before := map[string]string{}
	eventually(t, 10*time.Second, "every node renders its shop pods", func() bool {
		before = units()
		n := 0
		for name, u := range before {
			if strings.HasPrefix(name, "shop-") && !strings.HasPrefix(u, "error") {
				n++
			}
		}
		return n == 4
	})
	for name, u := range before {
		if strings.Contains(u, rollSecretValue) {
			t.Fatalf("the units of %s hold the Secret's value", name)
		}
	}

	// The ConfigMap the pods mount changes: the files follow, nothing rolls.
	apply(t, agents[1], withObjects(rollSecretValue, "b"))
	apply(t, agents[1], deploymentYAML("marker", 1, ""))
	eventually(t, 10*time.Second, "the mounted file changed on every node, the marker placed", func() bool {
		if len(placement(t, agents[0])) < 5 {
			return false
		}
		units()
		for _, n := range nodes {
			for _, name := range shopNames(before) {
				b, err := os.ReadFile(filepath.Join(n.dir, "swarm-default_"+name, "files", "mode"))
				if err == nil && string(b) != "b" {
					return false
				}
			}
		}
		return true
	})
	if hash := currentShopHash(t, agents[0]); hash != first {
		t.Fatalf("a mounted ConfigMap's change changed the hash: %s, was %s", hash, first)
	}
	if old, cur := shopPods(t, agents[0], first); len(old) != 0 || len(cur) != 4 {
		t.Fatalf("a mounted ConfigMap's change rolled: %v old, %v current", old, cur)
	}
	for name, u := range units() {
		if want, ok := before[name]; ok && u != want {
			t.Errorf("the units of %s changed with a mounted ConfigMap", name)
		}
	}

	// The Secret changes: a rollout, one revision more.
	var revision int
	eventually(t, 10*time.Second, "the first rollout complete", func() bool {
		d := getDeployment(t, agents[0], "shop")
		_, reason, _ := d.progressing()
		revision, _ = strconv.Atoi(d.Metadata.Annotations["deployment.kubernetes.io/revision"])
		return reason == "NewReplicaSetAvailable" && revision > 0
	})
	apply(t, agents[2], withObjects("new-"+rollSecretValue, "b"))
	var second string
	eventually(t, 10*time.Second, "the Deployment's hash changes on the nodes", func() bool {
		second = currentShopHash(t, agents[0])
		return second != first
	})
	seen := map[string]bool{}
	for step := 0; ; step++ {
		if step > 8 {
			t.Fatal("the rollout did not end in 8 steps")
		}
		var old, cur []string
		eventually(t, 10*time.Second, "the rollout's next step", func() bool {
			old, cur = shopPods(t, agents[0], second)
			fresh := false
			for _, name := range cur {
				fresh = fresh || !seen[name]
			}
			return fresh || len(old) == 0
		})
		readyNew := 0
		for _, name := range cur {
			if seen[name] {
				readyNew++ // reported ready at the previous step
			}
		}
		t.Logf("step %d: %d old pods, %d new of which %d ready", step, len(old), len(cur), readyNew)
		if len(old)+len(cur) > 4 || len(old)+readyNew < 3 {
			t.Fatalf("step %d: %d old and %d new pods, %d of them ready: beyond maxSurge 0 / maxUnavailable 1", step, len(old), len(cur), readyNew)
		}
		for name, u := range units() {
			if want, ok := before[name]; ok && u != want {
				t.Errorf("step %d: the running old pod %s's units changed:\n%s\nwant\n%s", step, name, u, want)
			}
			if !strings.HasPrefix(name, "shop-") || !strings.Contains(name, second) {
				continue
			}
			if strings.HasPrefix(u, "error") || strings.Contains(u, rollSecretValue) {
				t.Errorf("step %d: new pod %s: %s", step, name, u)
			}
		}
		for _, name := range cur {
			if _, wasOld := before[name]; wasOld {
				t.Fatalf("pod %s of the new hash ran before", name)
			}
			seen[name] = true
		}
		if len(old) == 0 && len(cur) == 4 {
			break
		}
		reportReady(t, agents, "shop-")
	}
	for name, u := range units() {
		if strings.HasPrefix(name, "shop-") && strings.Contains(u, rollSecretValue) {
			t.Errorf("%s's units hold the Secret's value", name)
		}
	}
	// Every node's API counts the new pods as updated, as the leader named them, and the
	// rollout as the next revision, completed.
	reportReady(t, agents, "shop-")
	for _, a := range agents {
		eventually(t, 10*time.Second, a.cfg.NodeName+" shows the rollout complete", func() bool {
			d := getDeployment(t, a, "shop")
			_, reason, _ := d.progressing()
			return d.Status.UpdatedReplicas == 4 && d.Status.Replicas == 4 && d.Status.AvailableReplicas == 4 &&
				reason == "NewReplicaSetAvailable" && d.Metadata.Annotations["deployment.kubernetes.io/revision"] == strconv.Itoa(revision+1)
		})
	}
}

func shopNames(units map[string]string) []string {
	var out []string
	for name := range units {
		if strings.HasPrefix(name, "shop-") {
			out = append(out, name)
		}
	}
	return out
}
