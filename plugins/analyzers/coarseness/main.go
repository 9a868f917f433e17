// Command coarseness is the coarseness analyzer plugin; the analysis lives in
// package coarse.
package main

import (
	"github.com/tdw-workbench/tdw/plugins/analyzers/coarseness/coarse"
	"github.com/tdw-workbench/tdw/sdk/plugin"
)

func main() { plugin.ServeAnalyzer(coarse.New()) }
