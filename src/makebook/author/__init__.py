"""The author's tools around a build: `make-book init` and `new` (scaffold), `build
--watch` (watch) and `preview` (a local web preview that reloads on save)."""
