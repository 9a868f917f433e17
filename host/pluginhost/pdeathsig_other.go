//go:build !linux

package pluginhost

import "os/exec"

// diesWithHost has no kernel help outside Linux: plugins die with the host
// only when it exits through Close or CloseAll.
func diesWithHost(*exec.Cmd) {}
