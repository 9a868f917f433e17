// Command parameter_snapshot is the parameter_snapshot analyzer plugin; the analysis lives in package paramsnapshot.
package main

import (
	"github.com/tdw-workbench/tdw/plugins/analyzers/parameter_snapshot/paramsnapshot"
	"github.com/tdw-workbench/tdw/sdk/plugin"
)

func main() { plugin.ServeAnalyzer(paramsnapshot.New()) }
