package apiserver

// The access entries of the pods' streams of the compatible API, from their table, so that
// a route and its right are written once.
func init() {
	for _, r := range kubeStreamRouteTable() {
		access[r.method+" "+kubeStreamPrefix+r.path] = r.rule
	}
}
