package discovery

import (
	"net"
	"strconv"
)

func joinHostPort(host string, port int32) string {
	return net.JoinHostPort(host, strconv.Itoa(int(port)))
}
