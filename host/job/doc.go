// Package job trains and analyzes variants on request: the orchestration
// that `tdw-host train`, `analyze` and `run` and the dashboard's jobs share.
//
// Train and Analyze resolve a plain request (family, parameters or variant,
// options) against the registries, launch the family plugin and run
// variant.Train or an analysis.Run, reporting progress through a callback.
// Bad requests come back as *RequestError naming the field.
//
// Manager runs such requests in the background as jobs for the dashboard:
// one job at a time, the others queued in order; at most one job (queued or
// running) per variant. Each job keeps its state, its latest progress event
// and a bounded history of events, which subscribers receive over channels.
// The variant's lock file (host/lockfile) still guards against a command-line
// run on the same variant: the job then fails with the lock's message.
package job
