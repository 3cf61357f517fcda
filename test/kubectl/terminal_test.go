package kubectl_test

import (
	"bytes"
	"context"
	"io"
	"os"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"golang.org/x/sys/unix"
)

// openPTY opens a pseudo-terminal of width by height cells: the side the test reads, and
// the side kubectl gets as its terminal.
func openPTY(t *testing.T, width, height uint16) (master, slave *os.File) {
	t.Helper()
	fd, err := unix.Open("/dev/ptmx", unix.O_RDWR|unix.O_NOCTTY|unix.O_CLOEXEC, 0)
	if err != nil {
		t.Skipf("no pseudo-terminal: %v", err)
	}
	master = os.NewFile(uintptr(fd), "/dev/ptmx")
	t.Cleanup(func() { master.Close() })
	n, err := unix.IoctlGetInt(fd, unix.TIOCGPTN)
	if err != nil {
		t.Fatal(err)
	}
	if err := unix.IoctlSetPointerInt(fd, unix.TIOCSPTLCK, 0); err != nil {
		t.Fatal(err)
	}
	if err := unix.IoctlSetWinsize(fd, unix.TIOCSWINSZ, &unix.Winsize{Col: width, Row: height}); err != nil {
		t.Fatal(err)
	}
	slave, err = os.OpenFile("/dev/pts/"+strconv.Itoa(n), os.O_RDWR|unix.O_NOCTTY, 0)
	if err != nil {
		t.Fatal(err)
	}
	return master, slave
}

// kubectl exec -it runs the command on a terminal of the pod of the size kubectl's own
// terminal is, and exits with its code.
func TestKubectlExecOnATerminal(t *testing.T) {
	sc := startPodCluster(t)
	master, slave := openPTY(t, 87, 21)
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	cmd := sc.command(ctx, sc.other.kubeconfig,
		"exec", "-it", sc.pod, "-c", "main", "--", "sh", "-c", "test -t 0 && test -t 1 && stty size; exit 5")
	cmd.Stdin, cmd.Stdout, cmd.Stderr = slave, slave, slave
	cmd.SysProcAttr = &syscall.SysProcAttr{Setsid: true, Setctty: true, Ctty: 0}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	slave.Close() // kubectl holds its own: the terminal ends with it
	var out bytes.Buffer
	copied := make(chan struct{})
	go func() {
		defer close(copied)
		_, _ = io.Copy(&out, master) // ends with EIO once kubectl is gone
	}()
	err := cmd.Wait()
	<-copied
	if cmd.ProcessState.ExitCode() != 5 || !strings.Contains(out.String(), "21 87\r\n") {
		t.Errorf("exec -it: %v (%d), terminal %q", err, cmd.ProcessState.ExitCode(), out.String())
	}
	if calls := sc.podNode.runtime.seen(); len(calls) != 1 || calls[0] != "exec default/"+sc.pod+" main sh -c test -t 0 && test -t 1 && stty size; exit 5" {
		t.Errorf("the pod's node ran %q", calls)
	}
}
