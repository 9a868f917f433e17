// Command dominant_frequencies is the dominant_frequencies analyzer plugin; the analysis lives in package domfreq.
package main

import (
	"github.com/tdw-workbench/tdw/plugins/analyzers/dominant_frequencies/domfreq"
	"github.com/tdw-workbench/tdw/sdk/plugin"
)

func main() { plugin.ServeAnalyzer(domfreq.New()) }
