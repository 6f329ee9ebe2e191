// Package web is the browser interface of Shoulders: plain HTML, CSS and
// JavaScript modules, with no build step, embedded in the binary and
// served at /. All document text is rendered as text, never as HTML.
package web

import (
	"embed"
	"io/fs"
	"net/http"
	"strings"
)

//go:embed static
var static embed.FS

// Handler serves the UI. Assets revalidate by ETag-free Last-Modified of
// the binary build, so a new release is picked up while repeat loads stay
// cheap; index.html is never cached, so a shared /?q= link always loads
// the current app.
func Handler() http.Handler {
	sub, err := fs.Sub(static, "static")
	if err != nil {
		panic(err) // the embedded tree is fixed at build time
	}
	files := http.FileServer(http.FS(sub))
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/" || strings.HasSuffix(r.URL.Path, ".html") {
			w.Header().Set("Cache-Control", "no-cache")
		} else {
			w.Header().Set("Cache-Control", "public, max-age=300, must-revalidate")
		}
		w.Header().Set("X-Content-Type-Options", "nosniff")
		w.Header().Set("Content-Security-Policy", "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; connect-src 'self'; object-src 'none'; base-uri 'none'")
		files.ServeHTTP(w, r)
	})
}
