package ingress

import (
	"bytes"
	"net"
	"net/url"

	"github.com/valyala/fasthttp"
)

var (
	schemeHTTP   = []byte("http")
	commaSpace   = []byte(", ")
	headerXFF    = "X-Forwarded-For"
	protoHTTP    = []byte("http")
	protoHTTPS   = []byte("https")
	hopByHop     = []string{"Keep-Alive", "Proxy-Connection", "Proxy-Authenticate", "Proxy-Authorization", "Te", "Trailer"}
	notForwarded = []string{"Forwarded", "X-Forwarded-Host", "X-Forwarded-Proto"}
)

// setForwarded tells the backend the client's address, scheme and host, as net/http's
// ReverseProxy.SetXForwarded does: the client's address is appended to the X-Forwarded-For
// it sent, the other two are replaced. It also drops the hop-by-hop headers that fasthttp
// does not handle itself (Connection and Transfer-Encoding it does).
func setForwarded(ctx *fasthttp.RequestCtx) {
	h := &ctx.Request.Header
	for _, k := range hopByHop {
		h.Del(k)
	}
	for _, k := range notForwarded {
		h.Del(k)
	}
	var buf [64]byte
	xff := buf[:0]
	for i, v := range h.PeekAll(headerXFF) {
		if i > 0 {
			xff = append(xff, commaSpace...)
		}
		xff = append(xff, v...)
	}
	if len(xff) > 0 {
		xff = append(xff, commaSpace...)
	}
	if a, ok := ctx.RemoteAddr().(*net.TCPAddr); ok {
		xff = a.AddrPort().Addr().Unmap().AppendTo(xff)
	}
	h.Del(headerXFF)
	h.SetBytesV(headerXFF, xff)
	proto := protoHTTP
	if ctx.IsTLS() {
		proto = protoHTTPS
	}
	h.SetBytesV("X-Forwarded-Proto", proto)
	h.SetBytesV("X-Forwarded-Host", h.Host())
}

// isUpgrade: the client asks to switch protocols (WebSocket).
func isUpgrade(req *fasthttp.Request) bool {
	return req.Header.ConnectionUpgrade() && len(req.Header.Peek("Upgrade")) > 0
}

// requestPath is the decoded path of a request line's target, which routing matches on
// (as net/http's URL.Path). The target is origin-form ("/a?b") or absolute-form
// ("http://host/a?b").
func requestPath(uri []byte) string {
	if len(uri) > 0 && uri[0] != '/' {
		if i := bytes.Index(uri, []byte("://")); i >= 0 {
			uri = uri[i+3:]
			if j := bytes.IndexByte(uri, '/'); j >= 0 {
				uri = uri[j:]
			} else {
				uri = nil
			}
		}
	}
	if i := bytes.IndexByte(uri, '?'); i >= 0 {
		uri = uri[:i]
	}
	p := string(uri)
	if bytes.IndexByte(uri, '%') >= 0 {
		if d, err := url.PathUnescape(p); err == nil {
			return d
		}
	}
	if p == "" {
		return "/"
	}
	return p
}
