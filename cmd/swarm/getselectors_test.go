package main

import (
	"bytes"
	"context"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"
)

// selectorsCluster is a live agent with two Deployments and two Services, labelled, and
// a way to run the CLI against it.
func selectorsCluster(t *testing.T) (*client, func(args ...string) (string, error)) {
	isolate(t)
	c := startAgent(t)
	const objects = `apiVersion: apps/v1
kind: Deployment
metadata: {name: web, labels: {app: web}}
spec:
  replicas: 2
  selector: {matchLabels: {app: web}}
  template:
    metadata: {labels: {app: web}}
    spec: {containers: [{name: web, image: localhost/web:1}]}
---
apiVersion: apps/v1
kind: Deployment
metadata: {name: api, labels: {app: api}}
spec:
  replicas: 3
  selector: {matchLabels: {app: api}}
  template:
    metadata: {labels: {app: api}}
    spec: {containers: [{name: api, image: localhost/api:1}]}
---
apiVersion: v1
kind: Service
metadata: {name: web, labels: {app: web, tier: front}}
spec: {selector: {app: web}, ports: [{port: 80}]}
---
apiVersion: v1
kind: Service
metadata: {name: api, labels: {app: api}}
spec: {selector: {app: api}, ports: [{port: 8080}]}
`
	if err := runApply(c, writeManifest(t, objects), false, nil, &bytes.Buffer{}); err != nil {
		t.Fatal(err)
	}
	swarm := func(args ...string) (string, error) {
		return runCLI(t, append(args, "--server", c.cfg.Server, "--token", c.cfg.Token)...)
	}
	waitFor(t, 10*time.Second, "the five pods", func() bool {
		out, err := swarm("get", "pods", "-o", "name")
		return err == nil && strings.Count(out, "pod/") == 5
	})
	return c, swarm
}

func TestGetWithSelectors(t *testing.T) {
	_, swarm := selectorsCluster(t)
	for _, c := range []struct {
		args []string
		want string // a regular expression the whole output matches
	}{
		{[]string{"get", "pods", "-l", "app=web", "-o", "name"}, `^pod/web-\S+\npod/web-\S+\n$`},
		{[]string{"get", "pods", "-l", "app in (web,api)", "--no-headers", "-o", "name"}, `^(pod/api-\S+\n){3}(pod/web-\S+\n){2}$`},
		{[]string{"get", "pods", "-l", "app!=web"}, `^NAME\s+READY\s+STATUS\s+RESTARTS\s+AGE\n(api-\S+\s+0/1\s+Pending\s+0\s+(<unknown>|\d+s)\n){3}$`},
		{[]string{"get", "svc", "-l", "tier"}, `^NAME\s+TYPE\s+CLUSTER-IP\s+EXTERNAL-IP\s+PORT\(S\)\s+AGE\nweb\s+ClusterIP\s.*80/TCP\s+\S+\n$`},
		{[]string{"get", "deploy", "--field-selector", "metadata.name=api", "-o", "name"}, `^deployment.apps/api\n$`},
		{[]string{"get", "pods", "--field-selector", "status.phase=Running"}, `^No resources found in default namespace.\n$`},
		{[]string{"get", "deploy", "-l", "app=nothing", "-A"}, `^No resources found\n$`},
		// Several kinds at once, by name or all of a label, each its own table.
		{[]string{"get", "deploy,svc", "-l", "app=web"}, `^NAME\s+READY\s+UP-TO-DATE\s+AVAILABLE\s+AGE\ndeployment.apps/web\s+0/2\s+\d\s+0\s+\S+\n\nNAME\s+TYPE.*\nservice/web\s+ClusterIP.*\n$`},
		{[]string{"get", "deployment/web", "svc/api", "deploy/api", "-o", "name"}, `^deployment.apps/web\ndeployment.apps/api\nservice/api\n$`},
		{[]string{"get", "deployments", "web", "api", "-o", "name"}, `^deployment.apps/web\ndeployment.apps/api\n$`},
		{[]string{"get", "all", "-o", "name"}, `^(pod/api-\S+\n){3}(pod/web-\S+\n){2}service/api\nservice/web\ndeployment.apps/api\ndeployment.apps/web\n$`},
		// kubectl's printers.
		{[]string{"get", "deploy", "-o", "jsonpath={.items[*].metadata.name}"}, `^api web$`},
		{[]string{"get", "deploy", "web", "-o", "jsonpath={.spec.replicas} {.spec.template.spec.containers[0].image}"}, `^2 localhost/web:1$`},
		{[]string{"get", "svc", "-o", `jsonpath={range .items[*]}{.metadata.name}={.spec.ports[0].port}{"\n"}{end}`}, `^api=8080\nweb=80\n$`},
		{[]string{"get", "deploy", "-o", "custom-columns=NAME:.metadata.name,REPLICAS:spec.replicas,IMAGE:{.spec.template.spec.containers[*].image},NONE:.spec.paused"},
			`^NAME\s+REPLICAS\s+IMAGE\s+NONE\napi\s+3\s+localhost/api:1\s+<none>\nweb\s+2\s+localhost/web:1\s+<none>\n$`},
		{[]string{"get", "deploy", "-o", "custom-columns=N:.metadata.name", "--no-headers", "--sort-by", ".spec.replicas"}, `^web\napi\n$`},
		{[]string{"get", "deploy", "--sort-by", "{.spec.replicas}", "-o", "name"}, `^deployment.apps/web\ndeployment.apps/api\n$`},
		{[]string{"get", "svc", "--sort-by", ".metadata.labels.tier", "-o", "name"}, `^service/api\nservice/web\n$`},
		{[]string{"get", "svc", "--show-labels", "--no-headers"}, `^api\s+ClusterIP.*\sapp=api\nweb\s+ClusterIP.*\sapp=web,tier=front\n$`},
		{[]string{"get", "svc", "--show-labels", "-A", "-l", "tier=front"}, `^NAMESPACE\s+NAME\s+TYPE\s+CLUSTER-IP\s+EXTERNAL-IP\s+PORT\(S\)\s+AGE\s+LABELS\ndefault\s+web\s.*app=web,tier=front\n$`},
		{[]string{"get", "nodes", "--field-selector", "metadata.name=n1", "-o", "name"}, `^node/n1\n$`},
	} {
		out, err := swarm(c.args...)
		if err != nil || !regexp.MustCompile(c.want).MatchString(out) {
			t.Errorf("swarm %s: %v\n%s\nwant %s", strings.Join(c.args, " "), err, out, c.want)
		}
	}

	// The names found are printed, and the others said not found, with exit status 1.
	out, err := swarm("get", "deploy", "web", "nope", "-o", "name")
	if err == nil || err.Error() != `deployments "nope" not found in namespace default` || out != "deployment.apps/web\n" {
		t.Errorf("a name that is not there: %v\n%s", err, out)
	}
}

// Bad input is one line and an error (exit status 1), before anything is asked.
func TestGetRefusesBadInput(t *testing.T) {
	_, swarm := selectorsCluster(t)
	for _, c := range []struct {
		args []string
		want string
	}{
		{[]string{"get", "pods", "-l", "app in web"}, `invalid label selector "app in web": unable to parse requirement: `},
		{[]string{"get", "pods", "-l", "a=b=c"}, `invalid label selector "a=b=c": found '=', expected: ',' or 'end of string'`},
		{[]string{"get", "pods", "--field-selector", "metadata.name"}, `invalid field selector "metadata.name": invalid selector: 'metadata.name'; can't understand 'metadata.name'`},
		{[]string{"get", "pods", "--field-selector", "spec.foo=x"}, `field label not supported: spec.foo`},
		{[]string{"get", "svc", "--field-selector", "spec.nodeName=n1"}, `field label not supported: spec.nodeName`},
		{[]string{"get", "pods", "-o", "jsonpath={.items[*"}, `error parsing jsonpath {.items[*, unterminated array`},
		{[]string{"get", "pods", "-o", "jsonpath"}, `template format specified but no template given`},
		{[]string{"get", "pods", "-o", "custom-columns=NAME"}, `unexpected custom-columns spec: NAME, expected <header>:<json-path-expr>`},
		{[]string{"get", "pods", "-o", "custom-columns=NAME:{.metadata.name"}, `unexpected path string, expected a 'name1.name2' or '.name1.name2' or '{name1.name2}' or '{.name1.name2}': {.metadata.name`},
		{[]string{"get", "pods", "-o", "table"}, `unable to match a printer suitable for the output format "table", allowed formats are: custom-columns,json,jsonpath,name,wide,yaml`},
		{[]string{"get", "pods", "--sort-by", "{.metadata.name"}, `unexpected path string`},
		{[]string{"get", "pods", "web", "-l", "app=web"}, `name cannot be provided when a selector is specified`},
		{[]string{"get", "pods,svc", "-w"}, `you may only specify a single resource type with --watch`},
		{[]string{"get", "replicasets/web"}, `unknown resource type "replicasets": use pods, services, `},
		{[]string{"get", "pods", "deploy/web"}, `there is no need to specify a resource type as a separate argument`},
		{[]string{"get", "deploy/web", "pods"}, `arguments in resource/name form must have a single resource and name: "pods"`},
	} {
		out, err := swarm(c.args...)
		if err == nil || !strings.Contains(err.Error(), c.want) || strings.Contains(err.Error(), "\n") || out != "" {
			t.Errorf("swarm %s: %v\n%s\nwant an error with %q", strings.Join(c.args, " "), err, out, c.want)
		}
	}
}

// syncBuffer is a buffer that a watch writes while the test reads it.
type syncBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

// get -w prints the list, then a line for each change of what its selector matches.
func TestGetWatch(t *testing.T) {
	c, _ := selectorsCluster(t)
	watch := func(o getOptions, args ...string) (*syncBuffer, func() error) {
		ctx, cancel := context.WithCancel(context.Background())
		out := &syncBuffer{}
		done := make(chan error, 1)
		o.namespace, o.watch = "default", true
		go func() { done <- runGetArgs(ctx, c, o, args, out) }()
		return out, func() error {
			cancel()
			select {
			case err := <-done:
				return err
			case <-time.After(10 * time.Second):
				return context.DeadlineExceeded
			}
		}
	}
	table, stopTable := watch(getOptions{selector: "tier=front"}, "services")
	names, stopNames := watch(getOptions{output: "name"}, "svc")
	waitFor(t, 10*time.Second, "the lists", func() bool {
		return strings.Count(table.String(), "\n") == 2 && strings.Count(names.String(), "\n") == 2
	})
	const db = "apiVersion: v1\nkind: Service\nmetadata: {name: db, labels: {tier: front}}\nspec: {selector: {app: db}, ports: [{port: 5432}]}\n"
	if err := runApply(c, writeManifest(t, db), false, nil, &bytes.Buffer{}); err != nil {
		t.Fatal(err)
	}
	waitFor(t, 10*time.Second, "the new Service in both watches", func() bool {
		return strings.Contains(table.String(), "\ndb ") && strings.Contains(names.String(), "service/db\n")
	})
	if err := stopTable(); err != nil {
		t.Errorf("the watch ended with %v", err)
	}
	if err := stopNames(); err != nil {
		t.Errorf("the watch ended with %v", err)
	}
	lines := strings.Split(strings.TrimSpace(table.String()), "\n")
	if len(lines) != 3 || !regexp.MustCompile(`^NAME\s+TYPE`).MatchString(lines[0]) || !strings.HasPrefix(lines[1], "web ") ||
		!regexp.MustCompile(`^db\s+ClusterIP\s.*5432/TCP`).MatchString(lines[2]) {
		t.Errorf("swarm get services -l tier=front -w:\n%s", table.String())
	}
	if got := names.String(); got != "service/api\nservice/web\nservice/db\n" {
		t.Errorf("swarm get svc -o name -w:\n%s", got)
	}
}

// delete takes KIND/NAME, several names, and a label selector (or --all) over several
// kinds, as kubectl delete does.
func TestDeleteWithSelectors(t *testing.T) {
	_, swarm := selectorsCluster(t)
	if out, err := swarm("delete", "deploy,svc", "-l", "app=web"); err != nil || out != "deployment.apps/web deleted\nservice/web deleted\n" {
		t.Errorf("delete deploy,svc -l app=web: %v\n%s", err, out)
	}
	if out, err := swarm("get", "deploy,svc", "-o", "name"); err != nil || out != "deployment.apps/api\nservice/api\n" {
		t.Errorf("left: %v\n%s", err, out)
	}
	if out, err := swarm("delete", "svc", "-l", "app=web"); err != nil || out != "No resources found\n" {
		t.Errorf("delete what no longer is: %v\n%s", err, out)
	}
	if out, err := swarm("delete", "svc/api", "deployment/api"); err != nil || out != "service/api deleted\ndeployment.apps/api deleted\n" {
		t.Errorf("delete svc/api deployment/api: %v\n%s", err, out)
	}
	waitFor(t, 10*time.Second, "the pods gone", func() bool {
		out, err := swarm("get", "pods")
		return err == nil && out == "No resources found in default namespace.\n"
	})
	for _, c := range []struct {
		args []string
		want string
	}{
		{[]string{"delete", "deploy"}, "resource(s) were provided, but no name was specified: give a NAME, -l SELECTOR or --all"},
		{[]string{"delete", "deploy", "web", "-l", "app=web"}, "name cannot be provided when a selector is specified"},
		{[]string{"delete", "deploy", "-l", "app=web", "--all"}, "cannot set --all and --selector at the same time"},
		{[]string{"delete", "deploy", "-l", "app in web"}, `invalid label selector "app in web": unable to parse requirement`},
		{[]string{"delete", "nodes", "--all"}, `unknown kind "nodes"`},
		{[]string{"delete", "replicaset", "x"}, `unknown resource type "replicaset"`},
	} {
		out, err := swarm(c.args...)
		if err == nil || !strings.Contains(err.Error(), c.want) || strings.Contains(err.Error(), "\n") || out != "" {
			t.Errorf("swarm %s: %v\n%s\nwant an error with %q", strings.Join(c.args, " "), err, out, c.want)
		}
	}
}

// selectPods, which logs -l reads, lists the pods a label selector matches.
func TestSelectPods(t *testing.T) {
	c, _ := selectorsCluster(t)
	pods, err := selectPods(c, "default", false, "app=api")
	if err != nil || len(pods) != 3 {
		t.Fatalf("pods of app=api: %v %d", err, len(pods))
	}
	for _, p := range pods {
		if p.Labels["app"] != "api" || !strings.HasPrefix(p.Name, "api-") {
			t.Errorf("pod %s with labels %v", p.Name, p.Labels)
		}
	}
	if pods, err := selectPods(c, "shop", false, "app=api"); err != nil || len(pods) != 0 {
		t.Errorf("in shop: %v %d", err, len(pods))
	}
	if pods, err := selectPods(c, "shop", true, ""); err != nil || len(pods) != 5 {
		t.Errorf("everywhere: %v %d", err, len(pods))
	}
	if _, err := selectPods(c, "default", false, "app in api"); err == nil || !strings.Contains(err.Error(), "invalid label selector") {
		t.Errorf("a bad selector: %v", err)
	}
}

// An object asked for by name that is not there prints nothing but the error, in every
// format; one that is prints alone, not in a List.
func TestGetNamedInEveryFormat(t *testing.T) {
	_, swarm := selectorsCluster(t)
	for _, o := range []string{"", "yaml", "json", "name", "jsonpath={.kind}"} {
		out, err := swarm("get", "deploy", "nope", "-o", o)
		if err == nil || err.Error() != `deployments "nope" not found in namespace default` || out != "" {
			t.Errorf("get deploy nope -o %q: %v\n%s", o, err, out)
		}
	}
	if out, err := swarm("get", "deploy/web", "-o", "jsonpath={.kind}/{.metadata.name}"); err != nil || out != "Deployment/web" {
		t.Errorf("get deploy/web -o jsonpath: %v %q", err, out)
	}
	if out, err := swarm("get", "deploy", "web", "api", "-o", "jsonpath={.kind}:{.items[*].metadata.name}"); err != nil || out != "List:web api" {
		t.Errorf("get deploy web api -o jsonpath: %v %q", err, out)
	}
	if out, err := swarm("get", "deploy,svc", "-o", "jsonpath={.kind}:{.items[*].kind}"); err != nil || out != "List:Deployment Deployment Service Service" {
		t.Errorf("get deploy,svc -o jsonpath: %v %q", err, out)
	}
}

// get events -w prints the events there are, then each new one as the leader records it;
// a field selector keeps to the events it matches, in the list and in what follows.
func TestGetEventsWatch(t *testing.T) {
	c, _ := selectorsCluster(t)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	all, some := &syncBuffer{}, &syncBuffer{}
	done := make(chan error, 2)
	go func() {
		done <- runGetArgs(ctx, c, getOptions{namespace: "default", watch: true}, []string{"events"}, all)
	}()
	go func() {
		o := getOptions{namespace: "default", watch: true, output: "name", fieldSelector: "involvedObject.name=db"}
		done <- runGetArgs(ctx, c, o, []string{"ev"}, some)
	}()
	time.Sleep(500 * time.Millisecond) // both watches open before the events come
	const db = `apiVersion: apps/v1
kind: StatefulSet
metadata: {name: db}
spec:
  replicas: 2
  serviceName: db
  selector: {matchLabels: {app: db}}
  template:
    metadata: {labels: {app: db}}
    spec: {containers: [{name: db, image: localhost/db:1}]}
`
	if err := runApply(c, writeManifest(t, db), false, nil, &bytes.Buffer{}); err != nil {
		t.Fatal(err)
	}
	created := regexp.MustCompile(`(?m)^\S+\s+Normal\s+SuccessfulCreate\s+statefulset/db\s+create Pod db-0 in StatefulSet db successful$`)
	waitFor(t, 20*time.Second, "the StatefulSet's first event in the watch of every event", func() bool {
		return created.MatchString(all.String())
	})
	waitFor(t, 10*time.Second, "an event of db in the watch by field", func() bool {
		return strings.Contains(some.String(), "event/db.")
	})
	cancel()
	for range 2 {
		select {
		case err := <-done:
			if err != nil {
				t.Errorf("a watch ended with %v", err)
			}
		case <-time.After(10 * time.Second):
			t.Fatal("a watch did not end with its context")
		}
	}
	if !regexp.MustCompile(`^LAST SEEN\s+TYPE\s+REASON\s+OBJECT\s+MESSAGE\n`).MatchString(all.String()) {
		t.Errorf("swarm get events -w prints no header first:\n%s", all.String())
	}
	for _, l := range strings.Split(strings.TrimSpace(some.String()), "\n") {
		if !strings.HasPrefix(l, "event/db.") {
			t.Errorf("swarm get ev -w --field-selector involvedObject.name=db printed %q", l)
		}
	}
}
