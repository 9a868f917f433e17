// Command neuron_fourier is the neuron_fourier analyzer plugin (secondary
// tier, pending host support); the analysis lives in package neuronfourier.
package main

import (
	"github.com/tdw-workbench/tdw/plugins/analyzers/neuron_fourier/neuronfourier"
	"github.com/tdw-workbench/tdw/sdk/plugin"
)

func main() { plugin.ServeCrossEpoch(neuronfourier.New()) }
