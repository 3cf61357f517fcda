package apiserver

import "github.com/labstack/echo/v4"

// kubeStreamRoutes adds the pods' log and exec of the compatible API.
func (a *Server) kubeStreamRoutes(core *echo.Group) {}
