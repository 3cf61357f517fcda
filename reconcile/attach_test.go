package reconcile

import (
	"bytes"
	"context"
	"io"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"
)

func TestRunAttachedPipesKeepStdoutStderrAndTheExitCode(t *testing.T) {
	var stdout, stderr bytes.Buffer
	code, err := RunAttached(context.Background(), []string{"sh", "-c", "cat; echo oops >&2; exit 3"},
		Stdio{Stdin: strings.NewReader("hello\n"), Stdout: &stdout, Stderr: &stderr})
	if err != nil || code != 3 {
		t.Fatalf("code %d, err %v", code, err)
	}
	if stdout.String() != "hello\n" || stderr.String() != "oops\n" {
		t.Errorf("stdout %q, stderr %q", stdout.String(), stderr.String())
	}
}

func TestRunAttachedEndsWithTheCommandWhileStdinStaysOpen(t *testing.T) {
	// A client that keeps its input open must not hold the answer once the command ended.
	r, w := io.Pipe()
	defer w.Close()
	var stdout bytes.Buffer
	code, err := RunAttached(context.Background(), []string{"sh", "-c", "echo done"}, Stdio{Stdin: r, Stdout: &stdout, Stderr: io.Discard})
	if err != nil || code != 0 || stdout.String() != "done\n" {
		t.Errorf("code %d, err %v, stdout %q", code, err, stdout.String())
	}
}

func TestRunAttachedReportsASignalAsAShellDoes(t *testing.T) {
	code, err := RunAttached(context.Background(), []string{"sh", "-c", "kill -TERM $$"}, Stdio{Stdout: io.Discard, Stderr: io.Discard})
	if err != nil || code != 128+15 {
		t.Errorf("code %d, err %v", code, err)
	}
}

func TestRunAttachedCommandNotFound(t *testing.T) {
	code, err := RunAttached(context.Background(), []string{"/nonexistent/command"}, Stdio{Stdout: io.Discard, Stderr: io.Discard})
	if err == nil || code != -1 {
		t.Errorf("code %d, err %v", code, err)
	}
	if _, err := RunAttached(context.Background(), nil, Stdio{}); err == nil {
		t.Error("an empty command ran")
	}
}

func TestRunAttachedOnATerminalWithItsSize(t *testing.T) {
	resize := make(chan TerminalSize, 1)
	resize <- TerminalSize{Width: 91, Height: 17}
	defer close(resize)
	var out bytes.Buffer
	// test -t: stdin and stdout are a terminal; stty size: the size the client sent.
	code, err := RunAttached(context.Background(), []string{"sh", "-c", "test -t 0 && test -t 1 && stty size && echo err >&2; exit 4"},
		Stdio{Stdout: &out, TTY: true, Resize: resize})
	if err != nil || code != 4 {
		t.Fatalf("code %d, err %v, output %q", code, err, out.String())
	}
	// A terminal ends lines with CR LF, and stderr is on it too.
	if got := out.String(); got != "17 91\r\nerr\r\n" {
		t.Errorf("output %q", got)
	}
}

func TestRunAttachedOnATerminalTakesInputAndResizes(t *testing.T) {
	resize := make(chan TerminalSize)
	defer close(resize)
	in, feed := io.Pipe()
	defer feed.Close()
	out := &lockedBuffer{}
	done := make(chan error, 1)
	go func() {
		code, err := RunAttached(context.Background(), []string{"sh", "-c", `stty -echo; read a; stty size; read b; echo "got $a $b"`},
			Stdio{Stdin: in, Stdout: out, TTY: true, Resize: resize})
		if err == nil && code != 0 {
			err = io.ErrUnexpectedEOF
		}
		done <- err
	}()
	resize <- TerminalSize{Width: 120, Height: 40}
	resize <- TerminalSize{Width: 100, Height: 30}
	// Taken once the one before is set: stty, which runs after the line is sent, reads it.
	resize <- TerminalSize{Width: 100, Height: 30}
	if _, err := io.WriteString(feed, "one\n"); err != nil {
		t.Fatal(err)
	}
	waitForOutput(t, out, "30 100\r\n")
	if _, err := io.WriteString(feed, "two\n"); err != nil {
		t.Fatal(err)
	}
	if err := <-done; err != nil {
		t.Fatalf("%v; output %q", err, out.String())
	}
	if !strings.HasSuffix(out.String(), "got one two\r\n") {
		t.Errorf("output %q", out.String())
	}
}

func TestRunAttachedStopsWithItsContext(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	var out lockedBuffer
	done := make(chan int, 1)
	go func() {
		code, _ := RunAttached(ctx, []string{"sh", "-c", "echo up; exec sleep 60"}, Stdio{Stdout: &out, Stderr: io.Discard})
		done <- code
	}()
	waitForOutput(t, &out, "up\n")
	cancel()
	if code := <-done; code != 128+9 {
		t.Errorf("code %d, want the SIGKILL's", code)
	}
}

func TestPodmanExecArgs(t *testing.T) {
	got := podmanExecArgs("web-abc-app", []string{"-x", "y"}, true, true)
	want := []string{"podman", "exec", "--interactive", "--tty", "web-abc-app", "-x", "y"}
	if !slices.Equal(got, want) {
		t.Errorf("%q", got)
	}
	got = podmanExecArgs("c", []string{"ls"}, false, false)
	if want := []string{"podman", "exec", "c", "ls"}; !slices.Equal(got, want) {
		t.Errorf("%q", got)
	}
}

func TestPortPipeArgs(t *testing.T) {
	got := portPipeArgs("/usr/bin/swarm", 4242, 8080)
	want := []string{"podman", "unshare", "nsenter", "--target", "4242", "--net", "--", "/usr/bin/swarm", "port-pipe", "8080"}
	if !slices.Equal(got, want) {
		t.Errorf("%q", got)
	}
}

// waitForOutput waits until b holds want, for a few seconds at most.
func waitForOutput(t *testing.T, b *lockedBuffer, want string) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for !strings.Contains(b.String(), want) {
		if time.Now().After(deadline) {
			t.Fatalf("no %q in %q", want, b.String())
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// lockedBuffer is a bytes.Buffer that one goroutine writes while another reads.
type lockedBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *lockedBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *lockedBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}
