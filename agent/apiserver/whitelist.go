package apiserver

import (
	"encoding/json"
	"fmt"
	"net/http"
	"slices"

	"github.com/labstack/echo/v4"

	"github.com/podman-swarm/podman-swarm/agent/request"
	"github.com/podman-swarm/podman-swarm/agent/store"
	"github.com/podman-swarm/podman-swarm/api"
	"github.com/podman-swarm/podman-swarm/dns"
)

// The DNS whitelist is one value in the store, so that every node's swarm dns filters the
// same way. Changes are read-modify-write of that value: two changes made at the same
// moment on two nodes keep the later one (the store's last-writer-wins).

func (a *Server) whitelist() (dns.WhitelistSpec, error) {
	spec := dns.WhitelistSpec{Hosts: []string{}}
	e, ok := a.node.Get(store.KeyDNSWhitelist)
	if !ok || e.Deleted {
		return spec, nil
	}
	if err := json.Unmarshal(e.Value, &spec); err != nil {
		return spec, echo.NewHTTPError(http.StatusInternalServerError, "the stored whitelist does not decode: "+err.Error()+"; replace it with PUT /api/v1/dns/whitelist")
	}
	return spec.Normalize()
}

func (a *Server) storeWhitelist(c echo.Context, spec dns.WhitelistSpec, what string) error {
	if _, err := a.node.Put(store.KeyDNSWhitelist, store.MustJSON(spec)); err != nil {
		return echo.NewHTTPError(http.StatusServiceUnavailable, "store the whitelist: "+err.Error())
	}
	a.log.Info("DNS whitelist "+what, "enabled", spec.Enabled, "hosts", spec.Hosts)
	return c.JSON(http.StatusOK, spec)
}

func (a *Server) getWhitelist(c echo.Context) error {
	if watched, err := a.watchWhitelist(c); watched {
		return err
	}
	spec, err := a.whitelist()
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, spec)
}

// putWhitelist replaces the whole whitelist: {"enabled": true, "hosts": [...]}.
func (a *Server) putWhitelist(c echo.Context) error {
	var spec dns.WhitelistSpec
	if err := request.BindJSON(c, &spec); err != nil {
		return err
	}
	spec, err := spec.Normalize()
	if err != nil {
		return echo.NewHTTPError(http.StatusUnprocessableEntity, "the whitelist was refused: "+err.Error())
	}
	return a.storeWhitelist(c, spec, "replaced")
}

// addWhitelistHosts adds hosts; it does not switch the whitelist on.
func (a *Server) addWhitelistHosts(c echo.Context) error {
	var req api.HostsRequest
	if err := request.BindJSON(c, &req); err != nil {
		return err
	}
	if req.Host != "" {
		req.Hosts = append(req.Hosts, req.Host)
	}
	if len(req.Hosts) == 0 {
		return echo.NewHTTPError(http.StatusUnprocessableEntity, `no host given: send {"host": "example.com"} or {"hosts": [...]}`)
	}
	added, err := (dns.WhitelistSpec{Hosts: req.Hosts}).Normalize()
	if err != nil {
		return echo.NewHTTPError(http.StatusUnprocessableEntity, "nothing was added: "+err.Error())
	}
	spec, err := a.whitelist()
	if err != nil {
		return err
	}
	spec.Hosts = append(spec.Hosts, added.Hosts...)
	if spec, err = spec.Normalize(); err != nil {
		return err
	}
	return a.storeWhitelist(c, spec, "hosts added")
}

func (a *Server) removeWhitelistHost(c echo.Context) error {
	host, err := dns.NormalizeHost(c.Param("host"))
	if err != nil {
		return echo.NewHTTPError(http.StatusBadRequest, err.Error())
	}
	spec, err := a.whitelist()
	if err != nil {
		return err
	}
	i := slices.Index(spec.Hosts, host)
	if i < 0 {
		return echo.NewHTTPError(http.StatusNotFound, fmt.Sprintf("%s is not in the whitelist", host))
	}
	spec.Hosts = slices.Delete(spec.Hosts, i, i+1)
	return a.storeWhitelist(c, spec, "host removed")
}
