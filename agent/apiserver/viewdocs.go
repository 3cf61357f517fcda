package apiserver

import (
	"encoding/json"
	"net/http"

	"github.com/labstack/echo/v4"

	"github.com/podman-swarm/podman-swarm/agent/store"
)

// listEndpoints answers every Service with its endpoints, or watches them whole with
// ?watch=true.
func (a *Server) listEndpoints(c echo.Context) error {
	ns := c.QueryParam("namespace")
	doc := func() ([]byte, error) { return a.endpointsAnswer(ns), nil }
	watch, err := watchParam(c)
	if err != nil {
		return err
	}
	if watch {
		return a.serveDocWatch(c, doc)
	}
	data := a.endpointsAnswer(ns)
	return c.Blob(http.StatusOK, echo.MIMEApplicationJSON, append(data[:len(data):len(data)], '\n'))
}

// endpointsAnswer is the answer to GET /api/v1/endpoints, encoded (without the newline
// the answer ends with). Every companion of every node reads the whole of it, so it is
// made once per change of the view, not once per request.
func (a *Server) endpointsAnswer(ns string) []byte {
	build := func(st *store.State) []byte {
		return store.MustJSON(endpointList(st, a.node.Members(), ns))
	}
	if ns == "" {
		return a.view.Document("endpoints", build)
	}
	var data []byte
	a.view.Read(func(st *store.State, _ uint64) { data = build(st) })
	return data
}

// watchWhitelist watches the DNS whitelist whole, when ?watch=true asks to; it reports
// whether it did (or the parameter was wrong), and then the handler's answer.
func (a *Server) watchWhitelist(c echo.Context) (bool, error) {
	watch, err := watchParam(c)
	if err != nil || !watch {
		return err != nil, err
	}
	return true, a.serveDocWatch(c, func() ([]byte, error) {
		spec, err := a.whitelist()
		if err != nil {
			return nil, err
		}
		return json.Marshal(spec)
	})
}
