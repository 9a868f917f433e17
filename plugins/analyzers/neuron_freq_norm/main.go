// Command neuron_freq_norm is the neuron_freq_norm analyzer plugin; the analysis lives in package neuronfreq.
package main

import (
	"github.com/tdw-workbench/tdw/plugins/analyzers/neuron_freq_norm/neuronfreq"
	"github.com/tdw-workbench/tdw/sdk/plugin"
)

func main() { plugin.ServeAnalyzer(neuronfreq.New()) }
