// Package serve is the dashboard's web server: a JSON API over a results
// folder (variants, training curves, analysis manifests, summary series and
// single artifact arrays) and the embedded browser UI that draws them.
//
// Every path the server opens is built from validated name components and
// checked to stay under the results folder; a bad request gets a 4xx answer
// with a JSON message. A request for an array reads only that npz entry.
// docs/dashboard.md documents the API.
package serve
