package apiserver

import "github.com/labstack/echo/v4"

// kubeWriteRoutes adds the writes (create, update, patch, delete, /scale, /status) of the
// compatible API.
func (a *Server) kubeWriteRoutes(core, apis *echo.Group) {}
