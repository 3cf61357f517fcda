package apiserver

// The access entries of the pods' streams of the compatible API, from their table, so that
// a route and its right are written once.
func init() {
	for _, r := range kubeStreamRouteTable() {
		access[r.method+" "+kubeStreamPrefix+r.path] = r.rule
		kubeStreamPaths[kubeStreamPrefix+r.path] = true
	}
}

// kubeStreamPaths are the paths of the streams' routes, as echo names a request's route.
var kubeStreamPaths = map[string]bool{}

// isKubeStreamPath tells whether a request's route (echo's c.Path()) is one of the streams',
// whose errors, a refused token's included, answer as a metav1.Status.
func isKubeStreamPath(route string) bool { return kubeStreamPaths[route] }
