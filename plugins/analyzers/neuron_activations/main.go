// Command neuron_activations is the neuron_activations analyzer plugin; the analysis lives in package neuronacts.
package main

import (
	"github.com/tdw-workbench/tdw/plugins/analyzers/neuron_activations/neuronacts"
	"github.com/tdw-workbench/tdw/sdk/plugin"
)

func main() { plugin.ServeAnalyzer(neuronacts.New()) }
