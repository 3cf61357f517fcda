package apiserver

import (
	"fmt"
	"net/http"
	"strconv"

	"github.com/labstack/echo/v4"

	"github.com/podman-swarm/podman-swarm/agent/view"
)

// serveList answers the objects of kind from the view, in key order, as a List that
// carries the view's version; with ?watch=true it watches them instead.
func (a *Server) serveList(c echo.Context, kind view.Kind) error {
	f, err := listFilter(c, kind)
	if err != nil {
		return err
	}
	watch, err := watchParam(c)
	if err != nil {
		return err
	}
	if watch {
		return a.serveWatch(c, kind, f)
	}
	items, version := a.view.List(kind, f)
	return c.Blob(http.StatusOK, echo.MIMEApplicationJSON, listBody(version, items))
}

// serveObject answers the object named by the :namespace and :name parameters (a node's by
// :name), or 404.
func (a *Server) serveObject(c echo.Context, kind view.Kind, what string) error {
	ns, name := c.Param("namespace"), c.Param("name")
	key := name
	if kind != view.Nodes {
		key = ns + "/" + name
	}
	o, ok := a.view.Get(kind, key)
	if !ok {
		where := ""
		if ns != "" {
			where = " in namespace " + ns
		}
		return echo.NewHTTPError(http.StatusNotFound, fmt.Sprintf("%s %q not found%s", what, name, where))
	}
	return c.Blob(http.StatusOK, echo.MIMEApplicationJSON, append(o.JSON[:len(o.JSON):len(o.JSON)], '\n'))
}

// listBody is a List of items already encoded, byte for byte as encoding api.List would
// write it (and echo's c.JSON, which ends it with a newline): the view encodes each object
// once, when it changes, rather than at each list.
func listBody(version uint64, items [][]byte) []byte {
	size := 96
	for _, it := range items {
		size += len(it) + 1
	}
	b := make([]byte, 0, size)
	b = append(b, `{"apiVersion":"v1","kind":"List","metadata":{"resourceVersion":"`...)
	b = strconv.AppendUint(b, version, 10)
	b = append(b, `"},"items":[`...)
	for i, it := range items {
		if i > 0 {
			b = append(b, ',')
		}
		b = append(b, it...)
	}
	return append(b, "]}\n"...)
}

// watchParam reads ?watch=, true or false as Go spells them (kubectl sends true or 1).
func watchParam(c echo.Context) (bool, error) {
	w := c.QueryParam("watch")
	if w == "" {
		return false, nil
	}
	b, err := strconv.ParseBool(w)
	if err != nil {
		return false, echo.NewHTTPError(http.StatusBadRequest, fmt.Sprintf("watch=%q: want true or false", w))
	}
	return b, nil
}
