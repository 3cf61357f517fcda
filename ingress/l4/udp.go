package l4

import (
	"errors"
	"net"
	"sync"
	"sync/atomic"
	"time"
)

// udpPort is an open UDP port: a session per client address, each with a socket of its own
// connected to one endpoint.
type udpPort struct {
	f    *Forwarder
	l    *listener
	conn *net.UDPConn

	mu       sync.Mutex
	sessions map[string]*session // by client address
	closed   bool
}

type session struct {
	client  *net.UDPAddr
	backend *net.UDPConn
	last    atomic.Int64 // unix nanoseconds of the last datagram either way
}

// serve reads datagrams from clients until the port is closed, and sends each on its
// client's session.
func (u *udpPort) serve() {
	defer close(u.l.done)
	buf := make([]byte, 64<<10)
	for {
		n, from, err := u.conn.ReadFromUDP(buf)
		if err != nil {
			if errors.Is(err, net.ErrClosed) {
				return
			}
			continue // an ICMP error of an earlier answer, reported on this socket
		}
		s := u.session(from)
		if s == nil {
			continue
		}
		s.last.Store(time.Now().UnixNano())
		if _, err := s.backend.Write(buf[:n]); err != nil {
			u.f.log.Debug("datagram not sent to the endpoint", "endpoint", s.backend.RemoteAddr().String(), "err", err)
			u.end(s)
		}
	}
}

// session finds the client's session, or starts one with the next endpoint that can be
// dialled; nil when there is none, or too many sessions.
func (u *udpPort) session(from *net.UDPAddr) *session {
	key := from.String()
	u.mu.Lock()
	defer u.mu.Unlock()
	if s, ok := u.sessions[key]; ok {
		return s
	}
	if u.closed || len(u.sessions) >= maxUDPSessions {
		return nil
	}
	for _, addr := range u.l.turn() {
		c, err := net.Dial("udp", addr)
		if err != nil {
			u.f.log.Debug("endpoint not dialled; trying the next", "endpoint", addr, "err", err)
			continue
		}
		s := &session{client: from, backend: c.(*net.UDPConn)}
		s.last.Store(time.Now().UnixNano()) // before answers reads it for its first deadline
		u.sessions[key] = s
		u.f.track(s.backend)
		u.f.handlers.Add(1)
		go u.answers(s)
		return s
	}
	return nil
}

// answers sends the endpoint's datagrams back to the client until the session is idle for
// UDPIdle, or the endpoint refuses (an ICMP port unreachable): the client's next datagram
// then starts a session with the next endpoint.
func (u *udpPort) answers(s *session) {
	defer u.f.handlers.Done()
	defer u.end(s)
	idle := u.f.cfg.UDPIdle
	buf := make([]byte, 64<<10)
	for {
		_ = s.backend.SetReadDeadline(time.Unix(0, s.last.Load()).Add(idle))
		n, err := s.backend.Read(buf)
		if err != nil {
			var ne net.Error
			if errors.As(err, &ne) && ne.Timeout() && time.Since(time.Unix(0, s.last.Load())) < idle {
				continue // the client sent something meanwhile
			}
			return
		}
		s.last.Store(time.Now().UnixNano())
		if _, err := u.conn.WriteToUDP(buf[:n], s.client); err != nil && errors.Is(err, net.ErrClosed) {
			return
		}
	}
}

// end removes s and closes its socket.
func (u *udpPort) end(s *session) {
	u.mu.Lock()
	if u.sessions[s.client.String()] == s {
		delete(u.sessions, s.client.String())
	}
	u.mu.Unlock()
	u.f.untrack(s.backend)
	_ = s.backend.Close()
}

// count is the number of sessions.
func (u *udpPort) count() int {
	u.mu.Lock()
	defer u.mu.Unlock()
	return len(u.sessions)
}

// close closes the port and its sessions.
func (u *udpPort) close() {
	u.mu.Lock()
	u.closed = true
	sessions := make([]*session, 0, len(u.sessions))
	for _, s := range u.sessions {
		sessions = append(sessions, s)
	}
	u.mu.Unlock()
	_ = u.conn.Close()
	for _, s := range sessions {
		_ = s.backend.Close()
	}
}
