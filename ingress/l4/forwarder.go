package l4

import (
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"slices"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	corev1 "k8s.io/api/core/v1"

	"github.com/podman-swarm/podman-swarm/discovery"
)

// Config configures a Forwarder.
type Config struct {
	// Address is the host to listen on, e.g. the node's address; "" listens on every
	// address.
	Address string
	// Reserved are ports this node's ingress listens on itself (its HTTP and HTTPS ports):
	// never opened here, whatever a LoadBalancer Service asks.
	Reserved []Key
	// DialTimeout bounds a connection to one endpoint before the next is tried; 0: 2 s.
	DialTimeout time.Duration
	// UDPIdle ends a UDP session that neither side used for that long; 0: 30 s.
	UDPIdle time.Duration
	// OpenedFile receives the ports opened (see ReadOpened); "" writes none.
	OpenedFile string
	Logger     *slog.Logger // nil: slog.Default()
}

// maxUDPSessions bounds the clients one UDP port serves at once: every session holds a
// socket, and anyone can send from many addresses.
const maxUDPSessions = 1024

// Forwarder listens on the node ports of the Services and forwards connections to their
// endpoints. Apply gives it the Services; Close ends everything.
type Forwarder struct {
	cfg Config
	log *slog.Logger

	mu       sync.Mutex // of the fields below; held by Apply and Close
	open     map[Key]*listener
	failed   map[Key]string // the last reason a port was not opened, to log each reason once
	dropped  []string
	written  []Opened // the content of OpenedFile, nil before the first write
	closed   bool
	conns    sync.Map // every connection and session in flight: io.Closer -> struct{}
	handlers sync.WaitGroup
}

// New makes a Forwarder that listens on nothing yet.
func New(cfg Config) *Forwarder {
	if cfg.DialTimeout <= 0 {
		cfg.DialTimeout = 2 * time.Second
	}
	if cfg.UDPIdle <= 0 {
		cfg.UDPIdle = 30 * time.Second
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.Default()
	}
	return &Forwarder{cfg: cfg, log: cfg.Logger.With("component", "node-ports"), open: map[Key]*listener{}, failed: map[Key]string{}}
}

// listener is one open port: its socket, and the Service port it forwards to now.
type listener struct {
	want  atomic.Pointer[Want]
	next  atomic.Uint64 // the round robin's turn
	close func()        // closes the socket (and a UDP port's sessions)
	udp   *udpPort      // of a UDP port
	done  chan struct{} // closed when its loop ended
}

// turn lists the backends to try for one connection: all of them, starting at the next.
func (l *listener) turn() []string {
	b := l.want.Load().Backends
	if len(b) == 0 {
		return nil
	}
	start := int(l.next.Add(1)-1) % len(b)
	return append(slices.Clone(b[start:]), b[:start]...)
}

// Apply makes the open ports those services ask for: it opens new ones, closes the ones no
// Service wants, and gives the others their current endpoints. It never fails: a port that
// cannot be opened is logged and tried again at the next Apply.
func (f *Forwarder) Apply(services []discovery.Service) {
	wants, dropped := Plan(services)
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.closed {
		return
	}
	if !slices.Equal(dropped, f.dropped) {
		for _, d := range dropped {
			f.log.Warn("port claimed twice; the first Service keeps it", "port", d)
		}
		f.dropped = dropped
	}
	wanted := map[Key]bool{}
	for _, w := range wants {
		wanted[w.Key] = true
	}
	for k, l := range f.open {
		if !wanted[k] {
			f.log.Info("closing port", "port", k.String(), "service", l.want.Load().Owner())
			l.close()
			<-l.done
			delete(f.open, k)
		}
	}
	for k := range f.failed {
		if !wanted[k] {
			delete(f.failed, k)
		}
	}
	for _, w := range wants {
		if l, ok := f.open[w.Key]; ok {
			l.want.Store(&w)
			continue
		}
		if err := f.listen(w); err != nil {
			if f.failed[w.Key] != err.Error() {
				f.log.Warn("port not opened on this node; tried again with the next change", "port", w.Key.String(),
					"service", w.Owner(), "kind", w.Kind, "err", err)
				f.failed[w.Key] = err.Error()
			}
			continue
		}
		delete(f.failed, w.Key)
		f.log.Info("port opened", "port", w.Key.String(), "service", w.Owner(), "kind", w.Kind, "endpoints", len(w.Backends))
	}
	f.writeOpened()
}

// listen opens the port of w and starts serving it.
func (f *Forwarder) listen(w Want) error {
	if slices.Contains(f.cfg.Reserved, w.Key) {
		return errors.New("the ingress listens on it")
	}
	addr := net.JoinHostPort(f.cfg.Address, strconv.Itoa(int(w.Port)))
	l := &listener{done: make(chan struct{})}
	l.want.Store(&w)
	switch w.Protocol {
	case corev1.ProtocolTCP:
		ln, err := net.Listen("tcp", addr)
		if err != nil {
			return fmt.Errorf("listen on %s: %w", addr, err)
		}
		l.close = func() { _ = ln.Close() }
		go f.serveTCP(l, ln)
	case corev1.ProtocolUDP:
		pc, err := net.ListenPacket("udp", addr)
		if err != nil {
			return fmt.Errorf("listen on %s: %w", addr, err)
		}
		u := &udpPort{f: f, l: l, conn: pc.(*net.UDPConn), sessions: map[string]*session{}}
		l.close, l.udp = u.close, u
		go u.serve()
	default:
		return fmt.Errorf("protocol %s is not forwarded", w.Protocol)
	}
	f.open[w.Key] = l
	return nil
}

// Opened lists the ports open now, sorted.
func (f *Forwarder) Opened() []Opened {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.openedLocked()
}

func (f *Forwarder) openedLocked() []Opened {
	out := []Opened{}
	for _, l := range f.open {
		out = append(out, opened(*l.want.Load()))
	}
	sortOpened(out)
	return out
}

// Close closes every port and every connection in flight, and waits for their handlers.
// The opened file then lists no port.
func (f *Forwarder) Close() error {
	f.mu.Lock()
	f.closed = true
	for k, l := range f.open {
		l.close()
		<-l.done
		delete(f.open, k)
	}
	f.writeOpened()
	f.mu.Unlock()
	f.conns.Range(func(c, _ any) bool {
		_ = c.(io.Closer).Close()
		return true
	})
	f.handlers.Wait()
	return nil
}

// track keeps c to be closed by Close until untrack.
func (f *Forwarder) track(c io.Closer)   { f.conns.Store(c, struct{}{}) }
func (f *Forwarder) untrack(c io.Closer) { f.conns.Delete(c) }
