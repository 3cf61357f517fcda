package reconcile

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"time"

	sddbus "github.com/coreos/go-systemd/v22/dbus"
	"github.com/godbus/dbus/v5"
)

// DBus drives the user's systemd over the D-Bus session bus. It reconnects on the next call
// after the bus went away (systemd --user restarted), and keeps watching across that.
type DBus struct {
	mu    sync.Mutex
	conn  *sddbus.Conn
	watch chan *sddbus.PropertiesUpdate // set once Watch was called; survives reconnects
	errs  chan error
}

var _ Systemd = (*DBus)(nil)

// NewDBus connects to the user's systemd. The agent runs as a systemd --user service, which
// sets XDG_RUNTIME_DIR (and DBUS_SESSION_BUS_ADDRESS); without either there is no session
// bus to find, and no D-Bus daemon is ever launched for it.
func NewDBus(ctx context.Context) (*DBus, error) {
	if os.Getenv("DBUS_SESSION_BUS_ADDRESS") == "" {
		rt := os.Getenv("XDG_RUNTIME_DIR")
		if rt == "" {
			return nil, errors.New("connect to the user's systemd: neither DBUS_SESSION_BUS_ADDRESS nor XDG_RUNTIME_DIR is set; run the agent as a systemd --user service of an account with lingering enabled")
		}
		if _, err := os.Stat(filepath.Join(rt, "bus")); err != nil {
			return nil, fmt.Errorf("connect to the user's systemd: no session bus at %s: %w (is dbus-user-session installed and user@UID.service running?)", filepath.Join(rt, "bus"), err)
		}
	}
	d := &DBus{}
	if _, err := d.connect(ctx); err != nil {
		return nil, err
	}
	return d, nil
}

// Close ends the connection.
func (d *DBus) Close() {
	d.mu.Lock()
	defer d.mu.Unlock()
	if d.conn != nil {
		d.conn.Close()
		d.conn = nil
	}
}

// connect returns the connection, dialing again when it is gone.
func (d *DBus) connect(ctx context.Context) (*sddbus.Conn, error) {
	d.mu.Lock()
	defer d.mu.Unlock()
	if d.conn != nil && d.conn.Connected() {
		return d.conn, nil
	}
	if d.conn != nil {
		d.conn.Close()
		d.conn = nil
	}
	c, err := sddbus.NewUserConnectionContext(ctx)
	if err != nil {
		return nil, fmt.Errorf("connect to the user's systemd over D-Bus: %w", err)
	}
	if d.watch != nil {
		if err := subscribe(c, d.watch, d.errs); err != nil {
			c.Close()
			return nil, err
		}
	}
	d.conn = c
	return c, nil
}

func subscribe(c *sddbus.Conn, updates chan *sddbus.PropertiesUpdate, errs chan error) error {
	if err := c.Subscribe(); err != nil {
		return fmt.Errorf("subscribe to systemd's unit changes: %w", err)
	}
	c.SetPropertiesSubscriber(updates, errs)
	return nil
}

// Units reads each unit's properties, all of its interfaces in one call. Asking for a unit
// systemd has not loaded makes it try to load it, so a unit without a file comes back as
// "not-found" instead of being missing.
func (d *DBus) Units(ctx context.Context, names []string) (map[string]UnitState, error) {
	c, err := d.connect(ctx)
	if err != nil {
		return nil, err
	}
	out := make(map[string]UnitState, len(names))
	for _, n := range names {
		props, err := c.GetAllPropertiesContext(ctx, n)
		if err != nil {
			return nil, fmt.Errorf("read unit %s: %w", n, err)
		}
		out[n] = unitState(props)
	}
	return out, nil
}

// Leftovers lists the failed units with prefix that have no unit file any more.
func (d *DBus) Leftovers(ctx context.Context, prefix string) ([]string, error) {
	c, err := d.connect(ctx)
	if err != nil {
		return nil, err
	}
	units, err := c.ListUnitsByPatternsContext(ctx, []string{"failed"}, []string{prefix + "*"})
	if err != nil {
		return nil, fmt.Errorf("list failed units: %w", err)
	}
	var out []string
	for _, u := range units {
		if u.LoadState == "not-found" {
			out = append(out, u.Name)
		}
	}
	return out, nil
}

// unitState picks what the loop uses out of a unit's D-Bus properties.
func unitState(p map[string]any) UnitState {
	str := func(k string) string { s, _ := p[k].(string); return s }
	num := func(k string) int {
		switch v := p[k].(type) {
		case uint32:
			return int(v)
		case int32:
			return int(v)
		case uint64:
			return int(v)
		}
		return 0
	}
	stamp := func(k string) time.Time {
		if us, ok := p[k].(uint64); ok && us > 0 {
			return time.UnixMicro(int64(us))
		}
		return time.Time{}
	}
	reload, _ := p["NeedDaemonReload"].(bool)
	return UnitState{
		LoadState:        str("LoadState"),
		ActiveState:      str("ActiveState"),
		SubState:         str("SubState"),
		Result:           str("Result"),
		NeedDaemonReload: reload,
		ActiveEnter:      stamp("ActiveEnterTimestamp"),
		StateChange:      stamp("StateChangeTimestamp"),
		NRestarts:        num("NRestarts"),
		ExecMainCode:     num("ExecMainCode"),
		ExecMainStatus:   num("ExecMainStatus"),
		MainPID:          num("MainPID"),
		FragmentPath:     str("FragmentPath"),
		SourcePath:       str("SourcePath"),
	}
}

// Reload is `systemctl --user daemon-reload`; the call returns once systemd has reloaded.
func (d *DBus) Reload(ctx context.Context) error {
	c, err := d.connect(ctx)
	if err != nil {
		return err
	}
	if err := c.ReloadContext(ctx); err != nil {
		return fmt.Errorf("reload systemd: %w", err)
	}
	return nil
}

// Start enqueues a start job for every unit at once, then waits for all of them.
func (d *DBus) Start(ctx context.Context, units []string) error {
	return d.jobs(ctx, "start", units, func(c *sddbus.Conn, u string, ch chan<- string) (int, error) {
		return c.StartUnitContext(ctx, u, "replace", ch)
	})
}

// Stop enqueues a stop job for every unit at once, then waits for all of them.
func (d *DBus) Stop(ctx context.Context, units []string) error {
	return d.jobs(ctx, "stop", units, func(c *sddbus.Conn, u string, ch chan<- string) (int, error) {
		return c.StopUnitContext(ctx, u, "replace", ch)
	})
}

// ResetFailed resets the failed state of each unit; a unit systemd does not have, or that
// did not fail, is fine.
func (d *DBus) ResetFailed(ctx context.Context, units []string) error {
	c, err := d.connect(ctx)
	if err != nil {
		return err
	}
	var errs []error
	for _, u := range units {
		err := c.ResetFailedUnitContext(ctx, u)
		var dbusErr dbus.Error
		if errors.As(err, &dbusErr) && dbusErr.Name == "org.freedesktop.systemd1.NoSuchUnit" {
			continue
		}
		if err != nil {
			errs = append(errs, fmt.Errorf("reset failed unit %s: %w", u, err))
		}
	}
	return errors.Join(errs...)
}

// jobs runs one job per unit and waits for the results. Each result channel has room for
// its one result: go-systemd delivers results while holding a lock that every other job
// needs, so a result nobody reads would stall the connection.
func (d *DBus) jobs(ctx context.Context, verb string, units []string, enqueue func(*sddbus.Conn, string, chan<- string) (int, error)) error {
	if len(units) == 0 {
		return nil
	}
	c, err := d.connect(ctx)
	if err != nil {
		return err
	}
	results := make([]chan string, len(units))
	var errs []error
	for i, u := range units {
		ch := make(chan string, 1)
		if _, err := enqueue(c, u, ch); err != nil {
			errs = append(errs, fmt.Errorf("%s %s: %w", verb, u, err))
			continue
		}
		results[i] = ch
	}
	for i, ch := range results {
		if ch == nil {
			continue
		}
		select {
		case r := <-ch:
			if r != "done" {
				errs = append(errs, &JobError{Verb: verb, Unit: units[i], Result: r})
			}
		case <-ctx.Done():
			errs = append(errs, fmt.Errorf("%s %s: no result before %w (the job stays queued in systemd)", verb, units[i], context.Cause(ctx)))
		}
	}
	return errors.Join(errs...)
}

// JobError is a systemd job that ended other than "done".
type JobError struct {
	Verb, Unit string
	// Result is systemd's: "failed", "timeout", "dependency", "canceled", "skipped", ...
	Result string
}

func (e *JobError) Error() string {
	return fmt.Sprintf("%s %s: job %s", e.Verb, e.Unit, e.Result)
}

// Watch subscribes to systemd's PropertiesChanged signals for units and passes on the names
// that start with prefix.
func (d *DBus) Watch(ctx context.Context, prefix string) (<-chan string, error) {
	d.mu.Lock()
	if d.watch != nil {
		d.mu.Unlock()
		return nil, errors.New("watch systemd's units: already watching")
	}
	d.watch = make(chan *sddbus.PropertiesUpdate, 256)
	d.errs = make(chan error, 16)
	c := d.conn
	d.mu.Unlock()
	if c != nil && c.Connected() {
		if err := subscribe(c, d.watch, d.errs); err != nil {
			return nil, err
		}
	}
	out := make(chan string, 1)
	go func() {
		defer close(out)
		for {
			select {
			case <-ctx.Done():
				return
			case <-d.errs:
				// The update channel was full: changes were lost, so nudge anyway.
				nudge(out, prefix)
			case u := <-d.watch:
				if strings.HasPrefix(u.UnitName, prefix) {
					nudge(out, u.UnitName)
				}
			}
		}
	}()
	return out, nil
}

// nudge sends without blocking.
func nudge(ch chan string, v string) {
	select {
	case ch <- v:
	default:
	}
}
