// Command global_centroid_pca is the global_centroid_pca analyzer plugin; the
// analysis lives in package centroidpca.
package main

import (
	"github.com/tdw-workbench/tdw/plugins/analyzers/global_centroid_pca/centroidpca"
	"github.com/tdw-workbench/tdw/sdk/plugin"
)

func main() { plugin.ServeCrossEpoch(centroidpca.New()) }
