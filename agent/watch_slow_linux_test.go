package agent

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"net/http"
	"os"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/podman-swarm/podman-swarm/agent/view"
	"github.com/podman-swarm/podman-swarm/api"
)

// slowWatch opens a watch over a connection whose receive buffer is as small as the
// kernel allows, reads its answer up to the end of the initial events, and reads no more.
func slowWatch(t *testing.T, a *Agent, path string) (net.Conn, *bufio.Reader) {
	t.Helper()
	d := net.Dialer{Control: func(_, _ string, c syscall.RawConn) error {
		var serr error
		err := c.Control(func(fd uintptr) {
			serr = syscall.SetsockoptInt(int(fd), syscall.SOL_SOCKET, syscall.SO_RCVBUF, 4096)
		})
		if err != nil {
			return err
		}
		return serr
	}}
	conn, err := d.Dial("tcp", a.APIAddr())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { conn.Close() })
	fmt.Fprintf(conn, "GET %s HTTP/1.1\r\nHost: %s\r\nAuthorization: Bearer %s\r\n\r\n", path, a.APIAddr(), nodeToken(t, a))
	r := bufio.NewReaderSize(conn, 512)
	resp, err := http.ReadResponse(r, nil)
	if err != nil || resp.StatusCode != http.StatusOK {
		t.Fatalf("watch %s: %v %v", path, resp, err)
	}
	body := bufio.NewReader(resp.Body)
	for {
		line, err := body.ReadBytes('\n')
		if err != nil {
			t.Fatalf("read the initial events: %v", err)
		}
		if bytes.Contains(line, []byte(`"k8s.io/initial-events-end":"true"`)) {
			return conn, body
		}
	}
}

// sendBufferMax is the most the kernel buffers for a TCP sender (net.ipv4.tcp_wmem).
func sendBufferMax(t *testing.T) int {
	data, err := os.ReadFile("/proc/sys/net/ipv4/tcp_wmem")
	if err != nil {
		t.Fatal(err)
	}
	f := strings.Fields(string(data))
	n, err := strconv.Atoi(f[len(f)-1])
	if err != nil {
		t.Fatalf("tcp_wmem %q: %v", data, err)
	}
	return n
}

// manyServices is one manifest of n Services named prefix0, prefix1..., each with an
// annotation of size bytes. They are headless, so that the leader allocates them no
// ClusterIP, which would add a MODIFIED event for each.
func manyServices(prefix string, n, size int) []byte {
	var items []string
	for i := range n {
		items = append(items, fmt.Sprintf(`{"apiVersion":"v1","kind":"Service","metadata":{"name":"%s%d","annotations":{"pad":%q}},"spec":{"clusterIP":"None","selector":{"app":"x"},"ports":[{"port":80}]}}`,
			prefix, i, strings.Repeat("x", size)))
	}
	return []byte(`{"apiVersion":"v1","kind":"List","items":[` + strings.Join(items, ",") + `]}`)
}

// A client that reads nothing holds up neither the writes nor the other watches: once more
// changes wait for it than its buffer holds, its watch is closed, and it lists again.
func TestSlowWatchConsumer(t *testing.T) {
	a := startAgents(t, 1, nil)[0]
	conn, slow := slowWatch(t, a, "/api/v1/services?watch=true")
	reader := mustWatch(t, a, "/api/v1/services", nil)
	reader.initial()
	if n := a.view.Watchers(); n != 2 {
		t.Fatalf("%d watches open", n)
	}

	// First more than the kernel buffers on the agent's side of the slow connection, so
	// that its handler waits to write; then two applies of fewer objects each than the
	// buffer of a watcher holds but more together, which overflow it. The reader takes
	// each burst before the next.
	fill := (sendBufferMax(t) + 1<<20) / 2000
	var bursts []struct{ count, pad int }
	for ; fill > 0; fill -= 3000 {
		bursts = append(bursts, struct{ count, pad int }{min(fill, 3000), 2000})
	}
	half := view.DefaultWatchBuffer/2 + 100
	bursts = append(bursts, struct{ count, pad int }{half, 100}, struct{ count, pad int }{half, 100})
	added := map[string]bool{}
	total := 0
	for i, burst := range bursts {
		total += burst.count
		count := burst.count
		var res api.ApplyResult
		body := manyServices(fmt.Sprintf("s%d-", i), count, burst.pad)
		if code := call(t, a, "POST", "/api/v1/manifests", "application/json", body, &res); code != http.StatusOK || len(res.Applied) != count {
			t.Fatalf("apply: HTTP %d, %d applied", code, len(res.Applied))
		}
		for len(added) < count {
			ev, _ := reader.next()
			if ev.Type == api.Bookmark {
				continue
			}
			if ev.Type != api.Added || !strings.HasPrefix(ev.Name, fmt.Sprintf("default/s%d-", i)) || added[ev.Name] {
				t.Fatalf("after %d events: %v", len(added), ev)
			}
			added[ev.Name] = true
		}
		clear(added)
	}
	if n := a.view.Watchers(); n != 1 {
		t.Errorf("%d watches open after the overflow", n)
	}

	// The agent goes on: another write, and the reading watch sees it.
	apply(t, a, serviceYAML("after"))
	if ev := changes(reader.until(func(ev watched) bool { return ev.Type != api.Bookmark }))[0]; ev.Name != "default/after" {
		t.Errorf("after the slow watch was closed: %v", ev)
	}
	// What reached the slow client before the close is whole events, fewer than were made,
	// and then the stream ends.
	_ = conn.SetReadDeadline(time.Now().Add(10 * time.Second))
	got := 0
	for {
		line, err := slow.ReadBytes('\n')
		var ne net.Error
		if errors.As(err, &ne) && ne.Timeout() {
			t.Fatalf("the slow watch did not end: %v after %d events", err, got)
		}
		if err != nil {
			break // the end of the answer, or of the connection
		}
		var ev api.WatchEvent
		if json.Unmarshal(line, &ev) != nil || ev.Type != api.Added {
			t.Fatalf("the slow watch sent %.80q", line)
		}
		got++
	}
	if got >= total {
		t.Errorf("the slow watch was sent all %d events", got)
	}
}
