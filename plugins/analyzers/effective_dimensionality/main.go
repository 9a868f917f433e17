// Command effective_dimensionality is the effective_dimensionality analyzer plugin; the analysis lives in package effdim.
package main

import (
	"github.com/tdw-workbench/tdw/plugins/analyzers/effective_dimensionality/effdim"
	"github.com/tdw-workbench/tdw/sdk/plugin"
)

func main() { plugin.ServeAnalyzer(effdim.New()) }
