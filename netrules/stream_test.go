package netrules

import (
	"encoding/binary"
	"fmt"
	"io"
	"net"
	"sync"
	"testing"
	"time"
)

// The Service path benchmark's server and client: a request is the number of bytes wanted
// (8 bytes, big endian), the answer is that many bytes, then the server closes. Closing
// first leaves the server's side in TIME_WAIT, so thousands of short connections do not
// use up the client's ports.

// streamBuf is what the server sends from, and the client reads into: large enough that
// a download costs few system calls, so the figure is the path's, not the loop's.
const streamBuf = 1 << 20

// serveStream answers every connection on addr with as many bytes as it asks for; it
// gives the address it listens on (addr may leave the port to the kernel).
func serveStream(t *testing.T, addr string) string {
	t.Helper()
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		t.Fatalf("listen on %s: %v", addr, err)
	}
	zeros := make([]byte, streamBuf) // only read, shared by every connection
	var wg sync.WaitGroup
	t.Cleanup(func() { ln.Close(); wg.Wait() })
	wg.Go(func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			wg.Go(func() {
				defer c.Close()
				c.SetDeadline(time.Now().Add(2 * time.Minute))
				var req [8]byte
				if _, err := io.ReadFull(c, req[:]); err != nil {
					return
				}
				for left := binary.BigEndian.Uint64(req[:]); left > 0; {
					n, err := c.Write(zeros[:min(left, uint64(len(zeros)))])
					if err != nil {
						return
					}
					left -= uint64(n)
				}
			})
		}
	})
	return ln.Addr().String()
}

// fetch opens a new connection from the address from (nil: the kernel's choice) to addr,
// asks for n bytes and reads them to the server's close into buf; it gives how long that
// took from before the connection was opened.
func fetch(from *net.TCPAddr, addr string, n int64, buf []byte, timeout time.Duration) (time.Duration, error) {
	start := time.Now()
	d := net.Dialer{Timeout: timeout}
	if from != nil {
		d.LocalAddr = from
	}
	c, err := d.Dial("tcp", addr)
	if err != nil {
		return 0, fmt.Errorf("connect to %s: %w", addr, err)
	}
	defer c.Close()
	c.SetDeadline(start.Add(timeout))
	var req [8]byte
	binary.BigEndian.PutUint64(req[:], uint64(n))
	if _, err := c.Write(req[:]); err != nil {
		return 0, fmt.Errorf("ask %s for %d bytes: %w", addr, n, err)
	}
	var got int64
	for {
		m, err := c.Read(buf)
		got += int64(m)
		if err == io.EOF {
			break
		}
		if err != nil {
			return 0, fmt.Errorf("read from %s after %d of %d bytes: %w", addr, got, n, err)
		}
	}
	took := time.Since(start)
	if got != n {
		return 0, fmt.Errorf("read %d bytes from %s, asked for %d", got, addr, n)
	}
	return took, nil
}

// The server and client over the loopback, without a namespace: each answer has the size
// asked for, large and small, on connections one after another.
func TestStreamFetch(t *testing.T) {
	addr := serveStream(t, "127.0.0.1:0")
	buf := make([]byte, streamBuf)
	for _, n := range []int64{0, 1, 64, streamBuf - 1, streamBuf, 3*streamBuf + 7} {
		if took, err := fetch(nil, addr, n, buf, 10*time.Second); err != nil || took <= 0 {
			t.Errorf("fetch %d bytes: took %v, %v", n, took, err)
		}
	}
	if _, err := fetch(nil, addr, 10, make([]byte, 4), 10*time.Second); err != nil {
		t.Errorf("fetch 10 bytes into a 4-byte buffer, in several reads: %v", err)
	}
	if _, err := fetch(&net.TCPAddr{IP: net.IPv4(127, 0, 0, 1)}, addr, 64, buf, 10*time.Second); err != nil {
		t.Errorf("fetch 64 bytes from a chosen local address: %v", err)
	}

	// A server that closes before it sent everything fails the fetch: a short download
	// is never counted as a fast one.
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	defer func() { ln.Close(); wg.Wait() }()
	wg.Go(func() {
		if c, err := ln.Accept(); err == nil {
			c.Write([]byte("short"))
			c.Close()
		}
	})
	if _, err := fetch(nil, ln.Addr().String(), 64, buf, 10*time.Second); err == nil {
		t.Error("fetch of 64 bytes from a server that sent 5 succeeded")
	}
}
