// Command fourier_frequency_quality is the fourier_frequency_quality
// analyzer plugin (secondary tier, pending host support); the analysis lives
// in package freqquality.
package main

import (
	"github.com/tdw-workbench/tdw/plugins/analyzers/fourier_frequency_quality/freqquality"
	"github.com/tdw-workbench/tdw/sdk/plugin"
)

func main() { plugin.ServeCrossEpoch(freqquality.New()) }
