// Command attention_fourier is the attention_fourier analyzer plugin; the
// analysis lives in package attnfourier.
package main

import (
	"github.com/tdw-workbench/tdw/plugins/analyzers/attention_fourier/attnfourier"
	"github.com/tdw-workbench/tdw/sdk/plugin"
)

func main() { plugin.ServeAnalyzer(attnfourier.New()) }
