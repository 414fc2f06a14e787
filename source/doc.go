// Package source defines what produces events for the pipeline. Each kind
// of source lives in its own subpackage: eventfile reads recorded JSON Lines
// files; later ones capture live.
package source
