package reconcile

import (
	"context"
	"io"
)

// Systemd is what the loop needs of the user's systemd. NewDBus implements it over the
// user's D-Bus session bus; the tests use a fake.
type Systemd interface {
	// Units reports the state of each named service. A service systemd does not know
	// comes back with LoadState "not-found".
	Units(ctx context.Context, names []string) (map[string]UnitState, error)
	// Reload makes systemd rerun its generators (Quadlet's among them) and reread every
	// unit file, like `systemctl --user daemon-reload`. It restarts nothing.
	Reload(ctx context.Context) error
	// Start starts the units and waits until each start job has ended; the error names
	// each unit whose job did not end "done".
	Start(ctx context.Context, units []string) error
	// Stop stops the units and waits until each stop job has ended.
	Stop(ctx context.Context, units []string) error
	// ResetFailed makes systemd forget that the units failed, so that the units of a
	// removed pod leave memory and a later pod of the same name starts clean.
	ResetFailed(ctx context.Context, units []string) error
	// Leftovers lists the units whose name starts with prefix that systemd keeps as failed
	// although no unit file backs them any more (LoadState "not-found").
	Leftovers(ctx context.Context, prefix string) ([]string, error)
	// Watch sends the name of a unit whose name starts with prefix each time its state
	// changes. Sends never block: a nudge is dropped when the channel is full, which is
	// fine for a loop that rereads everything anyway. The channel closes with ctx.
	Watch(ctx context.Context, prefix string) (<-chan string, error)
}

// Podman is what the loop needs of podman beyond the units.
type Podman interface {
	// RemoveVolume deletes a volume; one that does not exist is fine.
	RemoveVolume(ctx context.Context, name string) error
	// Kill sends SIGKILL to the named containers that run and returns those it killed.
	Kill(ctx context.Context, containers []string) ([]string, error)
}

// Journal reads the journal of the user's units.
type Journal interface {
	// Tail returns the last n messages of a unit, oldest first.
	Tail(ctx context.Context, unit string, n int) ([]string, error)
	// Logs writes what a container printed to w, one message per line, chosen by opts;
	// with opts.Follow it keeps writing new ones until ctx ends.
	Logs(ctx context.Context, container string, opts LogOptions, w io.Writer) error
}
