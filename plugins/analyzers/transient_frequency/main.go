// Command transient_frequency is the transient_frequency analyzer plugin
// (cross-epoch over a cross-epoch output, pending host support); the analysis
// lives in package transient.
package main

import (
	"github.com/tdw-workbench/tdw/plugins/analyzers/transient_frequency/transient"
	"github.com/tdw-workbench/tdw/sdk/plugin"
)

func main() { plugin.ServeCrossEpoch(transient.New()) }
