package reconcile

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os/exec"
	"syscall"
	"time"
)

// TerminalSize is a terminal's size in character cells.
type TerminalSize struct {
	Width, Height uint16
}

// Stdio is what a command run in a pod is attached to.
type Stdio struct {
	// Stdin is the command's input; nil gives it none.
	Stdin io.Reader
	// Stdout and Stderr take its output; with TTY, Stdout takes both, as a terminal does.
	Stdout, Stderr io.Writer
	// TTY runs the command on a new pseudo-terminal.
	TTY bool
	// Resize gives the terminal its sizes, the first before the command reads any; nil
	// keeps the kernel's default.
	Resize <-chan TerminalSize
}

// attachDrain bounds how long output is still read after the command ended: a child it
// left behind may hold the terminal or the pipes open for ever.
const attachDrain = time.Second

// RunAttached runs argv with stdio until it ends or ctx does, and returns its exit code
// (128+N for a command killed by signal N, as a shell reports it). An error means it did
// not run or could not be waited for.
func RunAttached(ctx context.Context, argv []string, s Stdio) (int, error) {
	if len(argv) == 0 {
		return -1, errors.New("run a command: none given")
	}
	cmd := exec.CommandContext(ctx, argv[0], argv[1:]...)
	cmd.WaitDelay = attachDrain
	var err error
	if s.TTY {
		err = runOnTerminal(cmd, s)
	} else {
		err = runOnPipes(cmd, s)
	}
	return commandExit(err)
}

// runOnPipes runs cmd with its output to s's writers. Its input is copied by a goroutine of
// our own rather than by os/exec, whose Wait would wait for the end of an input that a
// client keeps open after the command has ended.
func runOnPipes(cmd *exec.Cmd, s Stdio) error {
	cmd.Stdout, cmd.Stderr = s.Stdout, s.Stderr
	var stdin io.WriteCloser
	if s.Stdin != nil {
		var err error
		if stdin, err = cmd.StdinPipe(); err != nil {
			return fmt.Errorf("run %s: %w", cmd.Path, err)
		}
	}
	if err := cmd.Start(); err != nil {
		return fmt.Errorf("run %s: %w", cmd.Path, err)
	}
	if stdin != nil {
		go func() {
			_, _ = io.Copy(stdin, s.Stdin)
			stdin.Close()
		}()
	}
	return cmd.Wait()
}

// runOnTerminal runs cmd as the leader of a new session whose controlling terminal is a new
// pseudo-terminal, and copies between that terminal and s.
func runOnTerminal(cmd *exec.Cmd, s Stdio) error {
	master, slave, err := openPTY()
	if err != nil {
		return err
	}
	defer master.Close()
	if s.Resize != nil {
		// The first size, when the client sent one, before the command looks at it.
		select {
		case size, ok := <-s.Resize:
			if ok {
				_ = setTerminalSize(master, size)
			}
		default:
		}
		go func() {
			for size := range s.Resize {
				_ = setTerminalSize(master, size)
			}
		}()
	}
	cmd.Stdin, cmd.Stdout, cmd.Stderr = slave, slave, slave
	cmd.SysProcAttr = &syscall.SysProcAttr{Setsid: true, Setctty: true, Ctty: 0}
	err = cmd.Start()
	slave.Close() // the command holds its own copy; ours would keep the output from ending
	if err != nil {
		return fmt.Errorf("run %s: %w", cmd.Path, err)
	}
	if s.Stdin != nil {
		go func() { _, _ = io.Copy(master, s.Stdin) }()
	}
	copied := make(chan struct{})
	go func() {
		defer close(copied)
		// Ends with EIO once every holder of the terminal has closed it, or when master is
		// closed.
		_, _ = io.Copy(s.Stdout, master)
	}()
	err = cmd.Wait()
	select {
	case <-copied:
	case <-time.After(attachDrain):
		master.Close()
		<-copied
	}
	return err
}

// commandExit turns the end of a command into its exit code.
func commandExit(err error) (int, error) {
	if err == nil {
		return 0, nil
	}
	var exit *exec.ExitError
	if !errors.As(err, &exit) {
		return -1, err
	}
	if ws, ok := exit.Sys().(syscall.WaitStatus); ok && ws.Signaled() {
		return 128 + int(ws.Signal()), nil
	}
	return exit.ExitCode(), nil
}
