// Command centroid_dmd is the centroid_dmd analyzer plugin (cross-epoch over
// a cross-epoch output, pending host support); the analysis lives in package
// centroiddmd.
package main

import (
	"github.com/tdw-workbench/tdw/plugins/analyzers/centroid_dmd/centroiddmd"
	"github.com/tdw-workbench/tdw/sdk/plugin"
)

func main() { plugin.ServeCrossEpoch(centroiddmd.New()) }
