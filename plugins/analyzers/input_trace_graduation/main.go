// Command input_trace_graduation is the input_trace_graduation analyzer
// plugin; the analysis lives in package graduation.
package main

import (
	"github.com/tdw-workbench/tdw/plugins/analyzers/input_trace_graduation/graduation"
	"github.com/tdw-workbench/tdw/sdk/plugin"
)

func main() { plugin.ServeCrossEpoch(graduation.New()) }
