package main

import (
	"os"
	"os/signal"
	"syscall"

	"golang.org/x/sys/unix"

	"github.com/podman-swarm/podman-swarm/api"
)

// localTerminal is this process's terminal while a command runs on a terminal of its own
// in a pod: in raw mode, so that every key goes to the command as typed, and its sizes
// sent as the window changes.
type localTerminal struct {
	sizes   chan api.TerminalSize
	saved   *unix.Termios
	winch   chan os.Signal
	stopped bool
}

// openLocalTerminal puts standard input in raw mode (when stdin, the command reads it) and
// watches the window's size. It reports false when standard input is not a terminal.
func openLocalTerminal(stdin bool) (localTerminal, bool) {
	fd := int(os.Stdin.Fd())
	saved, err := unix.IoctlGetTermios(fd, unix.TCGETS)
	if err != nil {
		return localTerminal{}, false
	}
	t := localTerminal{sizes: make(chan api.TerminalSize, 1), winch: make(chan os.Signal, 1)}
	if stdin {
		raw := *saved
		// cfmakeraw's flags: no line editing, echo or signals from keys; bytes as typed.
		raw.Iflag &^= unix.IGNBRK | unix.BRKINT | unix.PARMRK | unix.ISTRIP | unix.INLCR | unix.IGNCR | unix.ICRNL | unix.IXON
		raw.Oflag &^= unix.OPOST
		raw.Lflag &^= unix.ECHO | unix.ECHONL | unix.ICANON | unix.ISIG | unix.IEXTEN
		raw.Cflag &^= unix.CSIZE | unix.PARENB
		raw.Cflag |= unix.CS8
		raw.Cc[unix.VMIN], raw.Cc[unix.VTIME] = 1, 0
		if err := unix.IoctlSetTermios(fd, unix.TCSETS, &raw); err != nil {
			return localTerminal{}, false
		}
		t.saved = saved
	}
	t.sendSize()
	signal.Notify(t.winch, syscall.SIGWINCH)
	go func() {
		for range t.winch {
			t.sendSize()
		}
	}()
	return t, true
}

// sendSize queues the window's size, replacing one not yet sent.
func (t localTerminal) sendSize() {
	ws, err := unix.IoctlGetWinsize(int(os.Stdout.Fd()), unix.TIOCGWINSZ)
	if err != nil {
		if ws, err = unix.IoctlGetWinsize(int(os.Stdin.Fd()), unix.TIOCGWINSZ); err != nil {
			return
		}
	}
	size := api.TerminalSize{Width: ws.Col, Height: ws.Row}
	select {
	case <-t.sizes:
	default:
	}
	select {
	case t.sizes <- size:
	default:
	}
}

// restore gives the terminal its modes back; it may be called more than once.
func (t *localTerminal) restore() {
	if t.stopped || t.winch == nil {
		return
	}
	t.stopped = true
	signal.Stop(t.winch)
	if t.saved != nil {
		_ = unix.IoctlSetTermios(int(os.Stdin.Fd()), unix.TCSETS, t.saved)
	}
}
