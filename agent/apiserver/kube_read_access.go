package apiserver

// The access entries of the reads of the compatible API, made of the same table as their
// routes (kubeReadRouteTable). A path the project served before keeps its entry in
// access (GET /api/v1/pods, ...).
func init() {
	for _, rt := range kubeReadRouteTable() {
		key := "GET " + rt.prefix + rt.path
		if _, ok := access[key]; !ok {
			access[key] = rt.rule()
		}
	}
}
