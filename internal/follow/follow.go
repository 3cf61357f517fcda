// Package follow keeps a companion server (swarm dns, swarm ingress) in step with its agent:
// it reads some of the agent's answers, decodes them into the companion's state, hands each
// change to the companion, keeps the last good state while the agent does not answer, and
// saves it to a state file so that a restarted companion serves it until the agent answers.
//
// How the answers come (a poll of the agent every interval) is this package's business
// alone: a companion sees only states and their changes.
package follow

import (
	"errors"
	"log/slog"
	"sync/atomic"
	"time"

	"github.com/podman-swarm/podman-swarm/api"
)

// Config says what to follow and what to do with it. T is the companion's state; it must
// encode to JSON, which is both how two states are compared and the state file's content.
type Config[T any] struct {
	Client *api.Client
	Paths  []string // the agent's answers that make a state, read in this order
	// Decode makes a state of the answers to Paths. An error counts as a failure of the
	// agent: the state stays as it was, and the same answers are decoded again next time.
	Decode func(api.Answers) (T, error)
	// OnChange is given the state before and after each change, on the follower's own
	// goroutine, before the state file is written.
	OnChange func(old, cur T)

	StateFile string // the last known state; "" keeps none
	// Normalize, when set, checks a state read from the state file and gives it as Decode
	// would have.
	Normalize func(T) (T, error)

	Interval    time.Duration // between two polls; 0 for DefaultInterval
	PollTimeout time.Duration // bounds one poll; 0: only the Client's own timeout
	Logger      *slog.Logger  // the companion's; nil logs nothing
	Messages    Messages
}

// DefaultInterval is how often the agent is polled when Config.Interval is 0.
const DefaultInterval = time.Second

// Follower follows the agent for one companion; it is a lifecycle.Runnable.
type Follower[T any] struct {
	cfg Config[T]
	log *slog.Logger

	current  atomic.Pointer[T]
	restored bool

	// owned by the polling goroutine
	encoded []byte      // current, as JSON: what a new state is compared with, and saved
	lastRaw api.Answers // the answers that gave current, as they came
	failing bool        // the agent did not answer the last poll
}

// New starts from the state file when there is one, else from the zero state.
func New[T any](cfg Config[T]) (*Follower[T], error) {
	if cfg.Client == nil || cfg.Decode == nil || len(cfg.Paths) == 0 {
		return nil, errors.New("follow the agent: a client, paths and a decoder are needed")
	}
	if cfg.Interval <= 0 {
		cfg.Interval = DefaultInterval
	}
	f := &Follower[T]{cfg: cfg, log: cfg.Logger}
	if f.log == nil {
		f.log = slog.New(slog.DiscardHandler)
	}
	var st T
	if cfg.StateFile != "" {
		var err error
		if st, f.restored, err = loadState(cfg.StateFile, cfg.Normalize); err != nil {
			return nil, err
		}
	}
	data, err := encode(st)
	if err != nil {
		return nil, err
	}
	f.current.Store(&st)
	f.encoded = data
	return f, nil
}

// State is the state as last applied: restored, decoded, or the zero state.
func (f *Follower[T]) State() T { return *f.current.Load() }

// Restored says whether New read the state from the state file.
func (f *Follower[T]) Restored() bool { return f.restored }
