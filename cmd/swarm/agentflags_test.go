package main

import (
	"context"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/podman-swarm/podman-swarm/agent"
)

// runAgentCommand runs swarm agent with args on loopback and no runtime, and returns its
// error; a configuration that passes by mistake runs until the timeout and returns nil.
func runAgentCommand(t *testing.T, args ...string) error {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	root := newRootCommand()
	base := []string{"agent", "--state-dir", t.TempDir(), "--runtime", "none", "--bind", "127.0.0.1:0", "--api-listen", "127.0.0.1:0", "--log-level", "error"}
	root.SetArgs(append(base, args...))
	return root.ExecuteContext(ctx)
}

// The agent refuses a bad configuration naming the flags the user gave, word for word as
// before the agent named its Config fields.
func TestAgentNamesTheBadFlag(t *testing.T) {
	dir := t.TempDir()
	cert := filepath.Join(dir, "c.pem")
	if err := os.WriteFile(cert, []byte("not a certificate\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"--node-name", ""}, "invalid agent configuration: --node-name is empty"},
		{[]string{"--state-dir", ""}, "invalid agent configuration: --state-dir is empty"},
		{[]string{"--bind", "nohost"}, `invalid agent configuration: --bind "nohost": address nohost: missing port in address`},
		{[]string{"--bind", "x:y"}, `invalid agent configuration: --bind "x:y": port "y" is not a number from 0 to 65535`},
		{[]string{"--api-listen", "x"}, `invalid agent configuration: --api-listen "x": address x: missing port in address`},
		{[]string{"--tls-cert", cert}, "invalid agent configuration: --tls-cert and --tls-key go together: give both or neither"},
		{[]string{"--label", "disk=fast ssd"}, "invalid agent configuration: --label disk=fast ssd: the value a valid label must be an empty string or consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character (e.g. 'MyValue',  or 'my_value',  or '12345', regex used for validation is '(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?')"},
		{[]string{"--pod-dns", "node1"}, `invalid agent configuration: --pod-dns "node1": want the IP address this node's swarm dns answers at on port 53, or none`},
		{[]string{"--cluster-domain", "Cluster_Local"}, `invalid agent configuration: --cluster-domain "Cluster_Local": a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character (e.g. 'example.com', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*')`},
		{[]string{"--pod-network", "pasta:-a 10.0.2.100"}, `invalid agent configuration: --pod-network "pasta:-a 10.0.2.100": want one podman --network value without spaces, e.g. pasta:-a,10.0.2.100,-n,24,-g,10.0.2.2`},
		{[]string{"--runtime", "docker"}, `invalid agent configuration: --runtime "docker": must be systemd or none`},
		{[]string{"--service-cidr", "fd00::/108"}, `invalid agent configuration: --service-cidr fd00::/108 is IPv6: this release allocates IPv4 addresses only; give an IPv4 network such as 10.43.0.0/16`},
		{[]string{"--pod-cidr", "10.43.0.0/17"}, `invalid agent configuration: --service-cidr and --pod-cidr overlap (10.43.0.0/16 and 10.43.0.0/17): a ClusterIP and a pod IP must never be the same address; give two separate ranges`},
		{[]string{"--node-port-range", "30000"}, `invalid agent configuration: --service-node-port-range and --node-port-range overlap (30000-32767 and 30000-30000): a node would publish a pod on a port a NodePort Service listens on; give two separate ranges`},
		{[]string{"--service-node-port-range", "3-2"}, `invalid agent configuration: --service-node-port-range: "3-2" ends before it starts: give the lower port first`},
		{[]string{"--force-new-cluster", "--join", "127.0.0.1:7946"}, "invalid agent configuration: --force-new-cluster founds a new cluster and --join joins an existing one: give only one of them"},
		{[]string{"--force-new-cluster", "--resync"}, "invalid agent configuration: --force-new-cluster founds a new cluster and --resync fetches the state of an existing one: give only one of them"},
		{[]string{"--node-name", "", "--runtime", "docker"}, "invalid agent configuration: --node-name is empty\n--runtime \"docker\": must be systemd or none"},
		{[]string{"--tls-ca", filepath.Join(dir, "missing.pem")}, "--tls-ca: read the CA certificates: open " + filepath.Join(dir, "missing.pem") + ": no such file or directory"},
		{[]string{"--tls-ca", cert}, "--tls-ca: " + cert + " holds no PEM certificate"},
		{[]string{"--tls-cert", cert, "--tls-key", filepath.Join(dir, "missing.key")}, "--tls-cert/--tls-key: open " + filepath.Join(dir, "missing.key") + ": no such file or directory"},
	} {
		err := runAgentCommand(t, tc.args...)
		if err == nil || err.Error() != tc.want {
			t.Errorf("swarm agent %s:\n got %v\nwant %s", strings.Join(tc.args, " "), err, tc.want)
		}
	}
}

// Every Config field that swarm agent sets has its flag named, and the flag exists. The
// unexported fields are the agent's own tests' and no command can set them.
func TestAgentFlagsNameEveryField(t *testing.T) {
	flags := newAgentCommand().Flags()
	noFlag := map[string]bool{"Logger": true, "PushPullInterval": true, "Clock": true, "WrapTransport": true, "PodAttach": true, "PodRuntime": true, "PodUsage": true}
	exported := 0
	for f := range reflect.TypeFor[agent.Config]().Fields() {
		if !f.IsExported() {
			continue
		}
		exported++
		if noFlag[f.Name] {
			continue
		}
		flag, ok := agentFlags[f.Name]
		if !ok {
			t.Errorf("Config.%s has no flag name", f.Name)
			continue
		}
		if flags.Lookup(strings.TrimPrefix(flag, "--")) == nil {
			t.Errorf("Config.%s is named %s, which swarm agent does not have", f.Name, flag)
		}
	}
	if len(agentFlags) != exported-len(noFlag) {
		t.Errorf("agentFlags names %d fields, Config has %d with a flag", len(agentFlags), exported-len(noFlag))
	}
}
