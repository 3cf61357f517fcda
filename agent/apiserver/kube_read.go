package apiserver

import "github.com/labstack/echo/v4"

// kubeReadRoutes adds discovery and the reads (get, list, watch) of the compatible API.
func (a *Server) kubeReadRoutes(e *echo.Echo, core, apis *echo.Group) {}
