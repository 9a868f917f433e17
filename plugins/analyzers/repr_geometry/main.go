// Command repr_geometry is the repr_geometry analyzer plugin; the analysis
// lives in package reprgeom.
package main

import (
	"github.com/tdw-workbench/tdw/plugins/analyzers/repr_geometry/reprgeom"
	"github.com/tdw-workbench/tdw/sdk/plugin"
)

func main() { plugin.ServeAnalyzer(reprgeom.New()) }
