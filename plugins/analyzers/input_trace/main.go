// Command input_trace is the input_trace analyzer plugin; the analysis lives in package inputtrace.
package main

import (
	"github.com/tdw-workbench/tdw/plugins/analyzers/input_trace/inputtrace"
	"github.com/tdw-workbench/tdw/sdk/plugin"
)

func main() { plugin.ServeAnalyzer(inputtrace.New()) }
