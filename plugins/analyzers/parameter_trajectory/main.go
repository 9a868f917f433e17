// Command parameter_trajectory is the parameter_trajectory analyzer plugin; the analysis lives in package trajectory.
package main

import (
	"github.com/tdw-workbench/tdw/plugins/analyzers/parameter_trajectory/trajectory"
	"github.com/tdw-workbench/tdw/sdk/plugin"
)

func main() { plugin.ServeCrossEpoch(trajectory.New()) }
