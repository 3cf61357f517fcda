package main

import (
	"net/http"
	"os"
)

// addFile serves GET /file?p=PATH: the content of a file of the container, so that the
// tests see from outside what a configMap or secret volume holds.
func addFile(mux *http.ServeMux) {
	mux.HandleFunc("/file", func(w http.ResponseWriter, r *http.Request) {
		data, err := os.ReadFile(r.URL.Query().Get("p"))
		if err != nil {
			http.Error(w, err.Error(), http.StatusNotFound)
			return
		}
		_, _ = w.Write(data)
	})
}
