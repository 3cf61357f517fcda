// Package request holds what the API's handlers share: reading request bodies strictly
// (415 for a media type the endpoint does not take, 400 for a body that is not the JSON
// expected), and the answers to a write the store did not take (write.go).
package request

import (
	"encoding/json"
	"fmt"
	"net/http"
	"strings"

	"github.com/labstack/echo/v4"
)

// BindJSON decodes a JSON body strictly: 415 for another content type, 400 for bad JSON or
// unknown fields.
func BindJSON(c echo.Context, into any) error {
	if err := RequireContentType(c, "application/json"); err != nil {
		return err
	}
	dec := json.NewDecoder(http.MaxBytesReader(c.Response(), c.Request().Body, 1<<20))
	dec.DisallowUnknownFields()
	if err := dec.Decode(into); err != nil {
		return echo.NewHTTPError(http.StatusBadRequest, "the request body is not the JSON expected: "+err.Error())
	}
	if dec.More() {
		return echo.NewHTTPError(http.StatusBadRequest, "the request body holds more than one JSON value")
	}
	return nil
}

// RequireContentType answers 415 unless the body's media type is one of want (parameters
// such as charset ignored). A missing Content-Type is accepted: hand-written clients often
// send none.
func RequireContentType(c echo.Context, want ...string) error {
	ct := c.Request().Header.Get("Content-Type")
	if ct == "" {
		return nil
	}
	media, _, _ := strings.Cut(ct, ";")
	media = strings.ToLower(strings.TrimSpace(media))
	for _, w := range want {
		if media == w {
			return nil
		}
	}
	return echo.NewHTTPError(http.StatusUnsupportedMediaType,
		fmt.Sprintf("Content-Type %q is not accepted here: send %s", ct, strings.Join(want, " or ")))
}
