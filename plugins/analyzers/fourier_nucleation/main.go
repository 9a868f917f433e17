// Command fourier_nucleation is the fourier_nucleation analyzer plugin; the
// analysis lives in package nucleation.
package main

import (
	"github.com/tdw-workbench/tdw/plugins/analyzers/fourier_nucleation/nucleation"
	"github.com/tdw-workbench/tdw/sdk/plugin"
)

func main() { plugin.ServeAnalyzer(nucleation.New()) }
