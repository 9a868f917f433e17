// Command progress_measures is the progress_measures analyzer plugin; the
// analysis lives in package progress.
package main

import (
	"github.com/tdw-workbench/tdw/plugins/analyzers/progress_measures/progress"
	"github.com/tdw-workbench/tdw/sdk/plugin"
)

func main() { plugin.ServeAnalyzer(progress.New()) }
