// Command neuron_dynamics is the neuron_dynamics analyzer plugin; the
// analysis lives in package neurondyn.
package main

import (
	"github.com/tdw-workbench/tdw/plugins/analyzers/neuron_dynamics/neurondyn"
	"github.com/tdw-workbench/tdw/sdk/plugin"
)

func main() { plugin.ServeCrossEpoch(neurondyn.New()) }
