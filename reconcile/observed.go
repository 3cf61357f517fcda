package reconcile

import "time"

// Observed is what the node runs now, as far as the plan is concerned.
type Observed struct {
	// Files are our unit files in the unit folder, by file name: only files that carry
	// quadlet's marker.
	Files map[string]File
	// Foreign holds the names of every other file in the unit folder. They are never
	// written, removed or started; a desired file of the same name blocks its pod.
	Foreign map[string]bool
	// Units are the states of our services in systemd, by service name. A service that
	// systemd does not know is missing or has LoadState "not-found".
	Units map[string]UnitState
}

// File is one of our unit files on disk.
type File struct {
	// Pod is the pod key its marker names.
	Pod string
	// Text is the file's content.
	Text string
	// ModTime is when it was last written: a running service that started before it was
	// loaded from an older text.
	ModTime time.Time
}

// UnitState is one service as systemd reports it.
type UnitState struct {
	// LoadState is "loaded" when systemd has read the unit; "not-found" when no unit file
	// (no Quadlet file, or the generator refused it) backs it.
	LoadState string
	// ActiveState is "active", "activating", "deactivating", "reloading", "inactive" or
	// "failed"; SubState refines it ("running", "exited", "auto-restart", "dead", ...).
	ActiveState string
	SubState    string
	// Result is the service's last result: "success", "exit-code", "signal", "timeout", ...
	Result string
	// NeedDaemonReload is set when a file behind the unit changed since systemd read it.
	NeedDaemonReload bool
	// ActiveEnter is when the unit last became active.
	ActiveEnter time.Time
	// StateChange is when the unit last changed state.
	StateChange time.Time
	// NRestarts counts systemd's automatic restarts since the service was last started by
	// a job.
	NRestarts int
	// ExecMainCode and ExecMainStatus describe how the main process last ended: code 1
	// (exited) with the exit status, or 2 and 3 (killed, dumped) with the signal.
	ExecMainCode   int
	ExecMainStatus int
	// MainPID is the main process, 0 when there is none.
	MainPID int
	// FragmentPath is the unit file systemd loaded (for a Quadlet unit, the generated
	// service); SourcePath is the Quadlet file it was generated from.
	FragmentPath string
	SourcePath   string
}

// Active states, as systemd names them.
const (
	stateActive       = "active"
	stateActivating   = "activating"
	stateDeactivating = "deactivating"
	stateInactive     = "inactive"
	stateFailed       = "failed"
)

// down tells whether a unit is neither running nor on its way somewhere: starting it is
// what brings it up. A unit systemd does not know is down too.
func (u UnitState) down() bool {
	return u.ActiveState == "" || u.ActiveState == stateInactive || u.ActiveState == stateFailed
}

// loaded tells whether systemd has read the unit from its file.
func (u UnitState) loaded() bool { return u.LoadState == "loaded" }
