package agent

import (
	"errors"
	"slices"
	"strings"
	"testing"

	"github.com/podman-swarm/podman-swarm/internal/fielderr"
)

// The defaults a command starts from pass validation once a state folder is given.
func TestDefaultConfigIsValid(t *testing.T) {
	cfg := DefaultConfig()
	cfg.StateDir = t.TempDir()
	if cfg.NodeName == "" {
		cfg.NodeName = "n1" // a host without a name
	}
	if err := cfg.withDefaults().validate(); err != nil {
		t.Fatal(err)
	}
	if cfg.Bind != "0.0.0.0:7946" || cfg.APIListen != "0.0.0.0:7070" || cfg.PodNetwork != DefaultPodNetwork || cfg.Runtime != RuntimeSystemd {
		t.Errorf("DefaultConfig = %+v", cfg)
	}
}

// Every problem names its Config field; a caller names them its own way, the rest of the
// message unchanged.
func TestConfigErrorNamesFields(t *testing.T) {
	cfg := Config{Bind: "nohost", APIListen: "127.0.0.1:0", TLSCert: "c.pem", Runtime: "docker"}
	err := cfg.withDefaults().validate()
	var ce *fielderr.List
	if !errors.As(err, &ce) {
		t.Fatalf("validate = %v, want a fielderr.List", err)
	}
	var fields []string
	for _, p := range ce.Problems {
		fields = append(fields, strings.Join(p.Fields, "+"))
	}
	if want := []string{"NodeName", "StateDir", "Bind", "TLSCert+TLSKey", "Runtime"}; !slices.Equal(fields, want) {
		t.Errorf("fields %v, want %v", fields, want)
	}
	want := "invalid agent configuration: NodeName is empty\nStateDir is empty\n" +
		`Bind "nohost": address nohost: missing port in address` + "\nTLSCert and TLSKey go together: give both or neither\n" +
		`Runtime "docker": must be systemd or none`
	if err.Error() != want {
		t.Errorf("Error:\n%s\nwant:\n%s", err, want)
	}
	lower := ce.Named(strings.ToLower).Error()
	if !strings.HasPrefix(lower, "invalid agent configuration: nodename is empty\nstatedir is empty\nbind \"nohost\"") ||
		!strings.Contains(lower, "tlscert and tlskey go together") {
		t.Errorf("Message(strings.ToLower) = %s", lower)
	}
}
