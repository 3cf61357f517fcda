package apiserver

import (
	"net/http"
	"runtime"
	"strings"

	"github.com/labstack/echo/v4"
	apiversion "k8s.io/apimachinery/pkg/version"

	"github.com/podman-swarm/podman-swarm/agent/kubeapi"
)

// Version is the agent's build version, set by the binary that serves the API.
var Version = "dev"

// serverVersion answers GET /version as the Kubernetes API server does, a version.Info,
// with the agent's own version and node beside it, which `swarm version` prints.
func (a *Server) serverVersion(c echo.Context) error {
	return c.JSON(http.StatusOK, serverVersionInfo{Info: versionInfo(Version),
		AgentVersion: Version, Node: a.cfg.NodeName})
}

// serverVersionInfo is Kubernetes' version.Info with what api.ServerVersion adds.
type serverVersionInfo struct {
	apiversion.Info
	AgentVersion string `json:"agentVersion"`
	Node         string `json:"node"`
}

// versionInfo is the version of Kubernetes whose API the agent answers as
// (kubeapi.KubernetesVersion), the agent's version in its build metadata: kubectl version
// parses gitVersion as a semantic version, fails on one that is not, and warns when its
// minor is far from its own; tools compare it with what a chart needs.
func versionInfo(agent string) apiversion.Info {
	info := apiversion.Info{
		Major:        kubeapi.KubernetesMajor,
		Minor:        kubeapi.KubernetesMinor,
		GitVersion:   kubeapi.KubernetesVersion + "+swarm." + buildMetadata(agent),
		GitTreeState: "clean",
		GoVersion:    runtime.Version(),
		Compiler:     runtime.Compiler,
		Platform:     runtime.GOOS + "/" + runtime.GOARCH,
	}
	if strings.HasSuffix(agent, "-dirty") {
		info.GitTreeState = "dirty"
	}
	return info
}

// buildMetadata is s as semantic versioning's build metadata allows: dot-separated
// identifiers of letters, digits and hyphens.
func buildMetadata(s string) string {
	var ids []string
	for _, id := range strings.Split(s, ".") {
		id = strings.Map(func(r rune) rune {
			if r == '-' || r >= '0' && r <= '9' || r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' {
				return r
			}
			return '-'
		}, id)
		if id != "" {
			ids = append(ids, id)
		}
	}
	if len(ids) == 0 {
		return "unknown"
	}
	return strings.Join(ids, ".")
}
