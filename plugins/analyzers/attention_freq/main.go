// Command attention_freq is the attention_freq analyzer plugin; the analysis lives in package attnfreq.
package main

import (
	"github.com/tdw-workbench/tdw/plugins/analyzers/attention_freq/attnfreq"
	"github.com/tdw-workbench/tdw/sdk/plugin"
)

func main() { plugin.ServeAnalyzer(attnfreq.New()) }
