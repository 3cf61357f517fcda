package apiserver

import (
	"bytes"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/podman-swarm/podman-swarm/api"
)

// serveDocWatch streams an answer that is no list of objects (the endpoints, the
// whitelist) whole: as it is, then again each time it differs after a change of the view
// (see api.WatchEvent). With ?resourceVersion= it is sent all the same, as MODIFIED: the
// whole answer brings the client up to date from any version.
func (a *Server) serveDocWatch(c echo.Context, doc func() ([]byte, error)) error {
	from, err := resourceVersionParam(c)
	if err != nil {
		return err
	}
	// Notified from before the answer is made, so that no change falls between.
	n, err := a.view.Notify()
	if err != nil {
		return watchRefused(c, err)
	}
	defer n.Stop()
	version := a.view.Version()
	sent, err := doc()
	if err != nil {
		return err
	}
	s := startStream(c, n.Done())
	defer s.end()
	first := api.Added
	if from != 0 {
		first = api.Modified
	}
	s.add(first, sent)
	s.add(api.Bookmark, bookmark("", version, true))
	tick := time.NewTicker(a.bookmarks)
	defer tick.Stop()
	ctx := c.Request().Context()
	for {
		if err := s.flush(); err != nil {
			return nil
		}
		select {
		case <-ctx.Done():
			return nil
		case <-n.Done():
			return nil
		case <-n.C():
			data, err := doc()
			if err != nil {
				// The client finds out why when it lists again.
				a.log.Warn("ending a watch: its answer cannot be made", "path", c.Path(), "err", err)
				return nil
			}
			if !bytes.Equal(data, sent) {
				s.add(api.Modified, data)
				sent = data
			}
		case <-tick.C:
			s.add(api.Bookmark, bookmark("", a.view.Version(), false))
		}
	}
}
