// Command modulo_addition_1layer is the modular-addition family plugin. The
// host launches it; it serves the family over go-plugin's gRPC protocol and
// writes nothing to stdout.
package main

import (
	"github.com/tdw-workbench/tdw/plugins/families/modulo_addition_1layer/modadd"
	"github.com/tdw-workbench/tdw/sdk/plugin"
)

func main() { plugin.ServeFamily(modadd.New()) }
