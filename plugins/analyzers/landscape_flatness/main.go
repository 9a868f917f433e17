// Command landscape_flatness is the landscape_flatness analyzer plugin; the analysis lives in package flatness.
package main

import (
	"github.com/tdw-workbench/tdw/plugins/analyzers/landscape_flatness/flatness"
	"github.com/tdw-workbench/tdw/sdk/plugin"
)

func main() { plugin.ServeAnalyzer(flatness.New()) }
