// Package follow keeps a companion server (swarm dns, swarm ingress) in step with its agent:
// it reads some of the agent's answers, decodes them into the companion's state, hands each
// change to the companion, keeps the last good state while the agent does not answer, and
// saves it to a state file so that a restarted companion serves it until the agent answers.
//
// How the answers come is this package's business alone: a companion sees only states and
// their changes. The follower lists (GETs every path), then watches every path (see
// api.WatchEvent) and puts each answer together again as events come; when a watch breaks
// it backs off and lists again. An idle companion thus does no work at all until the agent
// has something to tell it.
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

	// Interval is the longest wait before the agent is listed again after it failed to
	// answer or a watch broke (the first waits are shorter); an agent that does not watch
	// is listed every Interval. 0 takes DefaultInterval.
	Interval    time.Duration
	PollTimeout time.Duration // bounds one list; 0: only the Client's own timeout
	// IdleTimeout is how long a watch may bring nothing, not even a BOOKMARK, before it
	// is taken for broken; 0 takes DefaultIdleTimeout.
	IdleTimeout time.Duration
	Logger      *slog.Logger // the companion's; nil logs nothing
	Messages    Messages
}

// Defaults of Config.
const (
	DefaultInterval = time.Second
	// DefaultIdleTimeout is four of the agent's bookmark intervals.
	DefaultIdleTimeout = 2 * time.Minute
)

// Follower follows the agent for one companion; it is a lifecycle.Runnable.
type Follower[T any] struct {
	cfg Config[T]
	log *slog.Logger

	current  atomic.Pointer[T]
	restored bool

	// owned by the following goroutine
	encoded []byte      // current, as JSON: what a new state is compared with, and saved
	lastRaw api.Answers // the answers that gave current, as they came or were put together
	failing bool        // the agent did not answer the last list
}

// New starts from the state file when there is one, else from the zero state.
func New[T any](cfg Config[T]) (*Follower[T], error) {
	if cfg.Client == nil || cfg.Decode == nil || len(cfg.Paths) == 0 {
		return nil, errors.New("follow the agent: a client, paths and a decoder are needed")
	}
	if cfg.Interval <= 0 {
		cfg.Interval = DefaultInterval
	}
	if cfg.IdleTimeout <= 0 {
		cfg.IdleTimeout = DefaultIdleTimeout
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
