package main

import (
	"net"
	"testing"
)

// The companions' libraries speak of their Config's fields; the user reads the flags.
func TestCompanionErrorsNameTheFlags(t *testing.T) {
	isolate(t)
	taken, err := net.ListenPacket("udp", "127.0.53.8:0")
	if err != nil {
		t.Fatal(err)
	}
	defer taken.Close()
	addr := taken.LocalAddr().String()
	quiet := []string{"--state-file", "", "--upstream", "1.1.1.1", "--listen", "127.0.53.8:0"}
	for _, c := range []struct {
		args []string
		want string
	}{
		{append([]string{"dns", "--agent", "ftp://x"}, quiet...), `--agent: server "ftp://x": want http(s)://HOST:PORT or HOST:PORT`},
		{append([]string{"dns", "--ttl", "5h"}, quiet...), "--ttl 5h0m0s: want between 0s and 1h (a few seconds: endpoints move)"},
		{append([]string{"dns", "--cluster-domain", "a..b"}, quiet...), `--cluster-domain "a..b" is not a domain name`},
		{[]string{"dns", "--state-file", "", "--upstream", "dns.google"}, `--upstream "dns.google": want an IP address, optionally with a port (1.1.1.1, 1.1.1.1:53, [2606:4700::1111]:53)`},
		{[]string{"dns", "--state-file", "", "--upstream", "1.1.1.1", "--listen", addr},
			"listen on udp " + addr + ": listen udp " + addr + ": bind: address already in use: another server holds the port; systemd-resolved's stub on 127.0.0.53:53 takes it from 0.0.0.0:53 as well, so listen on this node's address: --listen <address>:53"},
		{[]string{"ingress", "--agent", "ftp://x", "--state-file", ""}, `--agent: server "ftp://x": want http(s)://HOST:PORT or HOST:PORT`},
	} {
		if _, err := runCLI(t, c.args...); err == nil || err.Error() != c.want {
			t.Errorf("swarm %q:\n got %v\nwant %s", c.args, err, c.want)
		}
	}
}
