// Package pending holds analyzer plugins whose inputs tdw-host cannot send
// yet: secondary-tier analyzers (analyzer.json kind "secondary": another
// analyzer's per-epoch arrays in, per-epoch arrays out, no model) and
// cross-epoch analyzers reading other cross-epoch outputs
// ("NAME/cross_epoch" artifacts). Each folder holds the plugin's main.go, its
// analysis package and the analyzer.json it will be installed with; `make`
// does not build them and the registry does not see them. When the host
// supports their inputs, a folder moves to plugins/analyzers/NAME and its
// analyzer.json to analyzers/NAME/.
package pending
