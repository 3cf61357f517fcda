package api

// HostsRequest is the body of POST /api/v1/dns/whitelist/hosts: one host or several. The
// whitelist itself travels as a dns.WhitelistSpec.
type HostsRequest struct {
	Host  string   `json:"host,omitempty"`
	Hosts []string `json:"hosts,omitempty"`
}
