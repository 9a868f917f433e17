// Command attention_patterns is the attention_patterns analyzer plugin; the analysis lives in package attnpatterns.
package main

import (
	"github.com/tdw-workbench/tdw/plugins/analyzers/attention_patterns/attnpatterns"
	"github.com/tdw-workbench/tdw/sdk/plugin"
)

func main() { plugin.ServeAnalyzer(attnpatterns.New()) }
