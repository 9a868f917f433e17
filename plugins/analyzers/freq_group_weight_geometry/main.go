// Command freq_group_weight_geometry is the freq_group_weight_geometry
// analyzer plugin; the analysis lives in package groupgeom.
package main

import (
	"github.com/tdw-workbench/tdw/plugins/analyzers/freq_group_weight_geometry/groupgeom"
	"github.com/tdw-workbench/tdw/sdk/plugin"
)

func main() { plugin.ServeCrossEpoch(groupgeom.New()) }
