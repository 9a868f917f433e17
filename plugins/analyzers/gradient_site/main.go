// Command gradient_site is the gradient_site analyzer plugin; the analysis lives in package gradsite.
package main

import (
	"github.com/tdw-workbench/tdw/plugins/analyzers/gradient_site/gradsite"
	"github.com/tdw-workbench/tdw/sdk/plugin"
)

func main() { plugin.ServeAnalyzer(gradsite.New()) }
