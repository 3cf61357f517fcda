package reconcile

import (
	"fmt"
	"os"
	"strconv"

	"golang.org/x/sys/unix"
)

// openPTY opens a new pseudo-terminal pair: the side the agent reads and writes, and the
// side the command gets as its terminal. Done by hand on /dev/ptmx rather than with a
// library: it is three ioctls, and the binary is built without cgo.
func openPTY() (master, slave *os.File, err error) {
	fd, err := unix.Open("/dev/ptmx", unix.O_RDWR|unix.O_NOCTTY|unix.O_CLOEXEC, 0)
	if err != nil {
		return nil, nil, fmt.Errorf("open /dev/ptmx: %w", err)
	}
	n, err := unix.IoctlGetInt(fd, unix.TIOCGPTN)
	if err != nil {
		unix.Close(fd)
		return nil, nil, fmt.Errorf("number the pseudo-terminal: %w", err)
	}
	if err := unix.IoctlSetPointerInt(fd, unix.TIOCSPTLCK, 0); err != nil {
		unix.Close(fd)
		return nil, nil, fmt.Errorf("unlock the pseudo-terminal: %w", err)
	}
	// Non-blocking, so that the runtime's poller reads it and Close ends a read under way.
	if err := unix.SetNonblock(fd, true); err != nil {
		unix.Close(fd)
		return nil, nil, fmt.Errorf("open /dev/ptmx: %w", err)
	}
	master = os.NewFile(uintptr(fd), "/dev/ptmx")
	name := "/dev/pts/" + strconv.Itoa(n)
	sfd, err := unix.Open(name, unix.O_RDWR|unix.O_NOCTTY|unix.O_CLOEXEC, 0)
	if err != nil {
		master.Close()
		return nil, nil, fmt.Errorf("open %s: %w", name, err)
	}
	return master, os.NewFile(uintptr(sfd), name), nil
}

// setTerminalSize gives the terminal of master a new size; the kernel tells the command
// (SIGWINCH to its foreground process group).
func setTerminalSize(master *os.File, s TerminalSize) error {
	ws := &unix.Winsize{Col: s.Width, Row: s.Height}
	// Through SyscallConn, not Fd, which would make the file blocking again.
	raw, err := master.SyscallConn()
	if err != nil {
		return fmt.Errorf("resize the pseudo-terminal: %w", err)
	}
	var ioErr error
	if err := raw.Control(func(fd uintptr) { ioErr = unix.IoctlSetWinsize(int(fd), unix.TIOCSWINSZ, ws) }); err != nil {
		return fmt.Errorf("resize the pseudo-terminal: %w", err)
	}
	if ioErr != nil {
		return fmt.Errorf("resize the pseudo-terminal: %w", ioErr)
	}
	return nil
}
