// Command neuron_group_pca is the neuron_group_pca analyzer plugin; the
// analysis lives in package grouppca.
package main

import (
	"github.com/tdw-workbench/tdw/plugins/analyzers/neuron_group_pca/grouppca"
	"github.com/tdw-workbench/tdw/sdk/plugin"
)

func main() { plugin.ServeCrossEpoch(grouppca.New()) }
