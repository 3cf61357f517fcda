package kubectl_test

import (
	"bufio"
	"bytes"
	"context"
	"encoding/base64"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// kubectlTimeout bounds a kubectl command that runs to its end; requestTimeout each of its
// requests, so that a request that hangs fails with kubectl's words before the command is
// killed.
const (
	kubectlTimeout = time.Minute
	requestTimeout = "--request-timeout=30s"
)

// kubeconfig writes a kubeconfig of token on n's API, in the namespace default, and
// returns its path.
func (c *cluster) kubeconfig(n *node, token string) string {
	c.t.Helper()
	ca, err := os.ReadFile(c.ca)
	if err != nil {
		c.t.Fatal(err)
	}
	f, err := os.CreateTemp(c.dir, n.name+"-*.kubeconfig")
	if err != nil {
		c.t.Fatal(err)
	}
	defer f.Close()
	_, err = fmt.Fprintf(f, `apiVersion: v1
kind: Config
clusters:
- name: swarm
  cluster:
    server: %s
    certificate-authority-data: %s
users:
- name: swarm
  user:
    token: %q
contexts:
- name: swarm
  context: {cluster: swarm, user: swarm, namespace: default}
current-context: swarm
`, n.server, base64.StdEncoding.EncodeToString(ca), token)
	if err != nil {
		c.t.Fatal(err)
	}
	return f.Name()
}

// result is what a kubectl command printed and how it ended: err is nil when it exited 0.
type result struct {
	stdout, stderr string
	code           int
	err            error
}

// kubectl runs kubectl with kubeconfig and args, stdin (nil for none) as its input, for at
// most kubectlTimeout; it fails the test when kubectl does not end by then.
func (c *cluster) kubectl(kubeconfig string, stdin io.Reader, args ...string) result {
	c.t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), kubectlTimeout)
	defer cancel()
	cmd := c.command(ctx, kubeconfig, append([]string{requestTimeout}, args...)...)
	var stdout, stderr bytes.Buffer
	cmd.Stdin, cmd.Stdout, cmd.Stderr = stdin, &stdout, &stderr
	err := cmd.Run()
	r := result{stdout: stdout.String(), stderr: stderr.String(), code: -1, err: err}
	if cmd.ProcessState != nil {
		r.code = cmd.ProcessState.ExitCode()
	}
	if ctx.Err() != nil {
		c.t.Fatalf("kubectl %s did not end within %s: %v\n%s", strings.Join(args, " "), kubectlTimeout, err, r.stderr)
	}
	return r
}

// command is kubectl with kubeconfig and args, in the cluster's home, for a test that
// drives it as it runs (its input, output and end are the test's).
func (c *cluster) command(ctx context.Context, kubeconfig string, args ...string) *exec.Cmd {
	cmd := exec.CommandContext(ctx, kubectlPath, args...)
	cmd.Env = append(os.Environ(), "KUBECONFIG="+kubeconfig, "HOME="+c.dir, "KUBECACHEDIR="+filepath.Join(c.dir, "cache"))
	return cmd
}

// run runs kubectl with the admin's kubeconfig on the first node, and returns its
// standard output and error.
func (c *cluster) run(args ...string) (stdout, stderr string, err error) {
	c.t.Helper()
	return c.runWith(c.config, args...)
}

// runWith runs kubectl with kubeconfig.
func (c *cluster) runWith(kubeconfig string, args ...string) (stdout, stderr string, err error) {
	c.t.Helper()
	r := c.kubectl(kubeconfig, nil, args...)
	return r.stdout, r.stderr, r.err
}

// mustRun runs kubectl with the admin's kubeconfig on the first node and fails the test
// unless it succeeds; it returns its output.
func (c *cluster) mustRun(args ...string) string {
	c.t.Helper()
	return c.nodes[0].must("", args...)
}

// mustFail runs kubectl, which must fail saying want on its standard error.
func (c *cluster) mustFail(kubeconfig, want string, args ...string) {
	c.t.Helper()
	out, errOut, err := c.runWith(kubeconfig, args...)
	if err == nil || !strings.Contains(errOut, want) {
		c.t.Errorf("kubectl %s: %v\n%s%s\nwant it to fail saying %q", strings.Join(args, " "), err, out, errOut, want)
	}
}

// kubectl runs kubectl on n with the admin's token; stdin, when not "", is its input.
func (n *node) kubectl(stdin string, args ...string) (stdout, stderr string, err error) {
	n.c.t.Helper()
	return n.run(n.kubeconfig, stdin, args...)
}

// kubectlRO runs kubectl on n with the read-only token.
func (n *node) kubectlRO(args ...string) (stdout, stderr string, err error) {
	n.c.t.Helper()
	return n.run(n.roKubeconfig, "", args...)
}

// run runs kubectl with kubeconfig; stdin, when not "", is its input.
func (n *node) run(kubeconfig, stdin string, args ...string) (string, string, error) {
	n.c.t.Helper()
	var in io.Reader
	if stdin != "" {
		in = strings.NewReader(stdin)
	}
	r := n.c.kubectl(kubeconfig, in, args...)
	return r.stdout, r.stderr, r.err
}

// must runs kubectl on n with the admin's token and fails the test unless it succeeds; it
// returns its output.
func (n *node) must(stdin string, args ...string) string {
	n.c.t.Helper()
	out, errOut, err := n.kubectl(stdin, args...)
	if err != nil {
		n.c.t.Fatalf("kubectl %s: %v\n%s%s", strings.Join(args, " "), err, out, errOut)
	}
	return out
}

// background is a kubectl command that runs until the test ends (kubectl get -w).
type background struct {
	t     *testing.T
	lines chan string
	seen  []string
}

// start starts kubectl with the admin's kubeconfig on the first node and reads its output a
// line at a time.
func (c *cluster) start(args ...string) *background {
	c.t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	cmd := c.command(ctx, c.config, args...)
	var errOut bytes.Buffer
	cmd.Stderr = &errOut
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		cancel()
		c.t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		cancel()
		c.t.Fatal(err)
	}
	b := &background{t: c.t, lines: make(chan string, 1000)}
	go func() {
		defer close(b.lines)
		s := bufio.NewScanner(stdout)
		for s.Scan() {
			b.lines <- s.Text()
		}
	}()
	c.t.Cleanup(func() {
		cancel()
		_ = cmd.Wait()
		if c.t.Failed() {
			c.t.Logf("kubectl %s: standard error:\n%s", strings.Join(args, " "), errOut.String())
		}
	})
	return b
}

// waitFor reads lines until one that contains all of want, within 15 seconds.
func (b *background) waitFor(want ...string) string {
	b.t.Helper()
	deadline := time.After(15 * time.Second)
	for {
		select {
		case line, ok := <-b.lines:
			if !ok {
				b.t.Fatalf("kubectl ended before a line with %q; it printed:\n%s", want, strings.Join(b.seen, "\n"))
			}
			b.seen = append(b.seen, line)
			if containsAll(line, want) {
				return line
			}
		case <-deadline:
			b.t.Fatalf("no line with %q within 15s; kubectl printed:\n%s", want, strings.Join(b.seen, "\n"))
		}
	}
}

func containsAll(s string, parts []string) bool {
	for _, p := range parts {
		if !strings.Contains(s, p) {
			return false
		}
	}
	return true
}
