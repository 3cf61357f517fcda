package auth

import (
	"fmt"
	"net/http"

	"github.com/labstack/echo/v4"
)

// Right is what a request must hold to be served. It is decided by what the request does
// (its verb) and to what (its resource), never by its HTTP method alone: a GET that
// reveals a secret needs as much as a write. The zero Right is no right at all, so that a
// rule left empty refuses rather than opens.
type Right int

// The rights a rule may ask for, from least to most.
const (
	// Open asks for no token: the health check only, which load balancers and systemd
	// probes call without one.
	Open Right = iota + 1
	// Read asks for any valid token, read-only ones included: reading workloads and the
	// cluster's shape, nothing that grants more rights or reveals a secret.
	Read
	// Admin asks for a token with full rights: every change, and every read that reveals a
	// secret or leads to more rights (the join token, the API tokens).
	Admin
)

func (r Right) String() string {
	switch r {
	case Open:
		return "open"
	case Read:
		return "read"
	case Admin:
		return "admin"
	}
	return fmt.Sprintf("Right(%d)", int(r))
}

// Rule is the right one route needs, with what the route does, for the table and for the
// refusal's message.
type Rule struct {
	// Verb is what the route does: get, list, create, update, delete, rotate, remove.
	Verb string
	// Resource is what it does it to: pods, join-token, tokens, nodes, ...
	Resource string
	// Right is what the request's token must hold.
	Right Right
	// Action names the request in a refusal: "reading the join token".
	Action string
}

// Authorize is the middleware of one route, which rule governs; known is false for a
// route without a rule, which is then refused to every request, whatever its token, so
// that a route someone forgot to list is closed rather than open. A request that the
// group's Authenticate has not admitted yet is authenticated here.
func (a *Authority) Authorize(rule Rule, known bool) echo.MiddlewareFunc {
	return func(next echo.HandlerFunc) echo.HandlerFunc {
		return func(c echo.Context) error {
			if !known || rule.Right < Open || rule.Right > Admin {
				return echo.NewHTTPError(http.StatusForbidden, fmt.Sprintf(
					"%s %s has no access rule, so it is refused to every token", c.Request().Method, c.Path()))
			}
			if rule.Right == Open || a.noAuth {
				return next(c)
			}
			rec, ok := c.Get(tokenContextKey).(TokenRecord)
			if !ok {
				var err error
				if rec, err = a.authenticate(c); err != nil {
					return err
				}
				c.Set(tokenContextKey, rec)
			}
			if err := allowed(rule, rec); err != nil {
				return err
			}
			return next(c)
		}
	}
}

// allowed says whether a valid token's record grants what rule asks: a 403 naming the
// action when it does not.
func allowed(rule Rule, rec TokenRecord) error {
	if rule.Right == Admin && rec.ReadOnly {
		return echo.NewHTTPError(http.StatusForbidden, fmt.Sprintf(
			"the API token %s is read-only: %s needs a token with full rights", rec.ID, rule.Action))
	}
	return nil
}
