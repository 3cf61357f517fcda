package ingress

import (
	"bufio"
	"fmt"
	"io"
	"net"

	"github.com/valyala/fasthttp"
)

// upgrade passes a request that switches protocols (WebSocket) to an endpoint over a
// connection of its own. Once the endpoint agrees (101), the client's connection is taken
// from the server and bytes are copied both ways until either side closes: frames are the
// endpoints' business. Any other answer goes back as an ordinary response.
func (p *proxy) upgrade(ctx *fasthttp.RequestCtx, rc *routed) {
	var conn net.Conn
	err := p.try(rc, &ctx.Request, func(addr string) (err error) {
		conn, err = p.dial(addr)
		return err
	})
	if err != nil {
		p.fail(ctx, rc, err)
		return
	}
	br, err := handshake(&ctx.Request, &ctx.Response, conn)
	if err != nil {
		conn.Close()
		p.fail(ctx, rc, err)
		return
	}
	if ctx.Response.StatusCode() != fasthttp.StatusSwitchingProtocols {
		err := ctx.Response.ReadBody(br, 0)
		conn.Close()
		if err != nil {
			p.fail(ctx, rc, fmt.Errorf("read the answer to an upgrade: %w", err))
		}
		return
	}
	head := append([]byte(nil), ctx.Response.Header.Header()...)
	ctx.HijackSetNoResponse(true)
	ctx.Hijack(func(client net.Conn) { tunnel(client, conn, br, head) })
}

// handshake sends the upgrade request on conn and reads the header of the answer into resp.
func handshake(req *fasthttp.Request, resp *fasthttp.Response, conn net.Conn) (*bufio.Reader, error) {
	out := net.Buffers{req.Header.Header(), req.Body()}
	if _, err := out.WriteTo(conn); err != nil {
		return nil, fmt.Errorf("send an upgrade: %w", err)
	}
	br := bufio.NewReader(conn)
	resp.Reset()
	if err := resp.Header.Read(br); err != nil {
		return nil, fmt.Errorf("read the answer to an upgrade: %w", err)
	}
	return br, nil
}

// tunnel writes the endpoint's 101 to the client, then copies both ways; the first side to
// finish ends both, as net/http's proxy does.
func tunnel(client, backend net.Conn, fromBackend *bufio.Reader, head []byte) {
	defer client.Close()
	defer backend.Close()
	if _, err := client.Write(head); err != nil {
		return
	}
	done := make(chan struct{}, 2)
	go func() { io.Copy(backend, client); done <- struct{}{} }()
	go func() { io.Copy(client, fromBackend); done <- struct{}{} }()
	<-done
}
