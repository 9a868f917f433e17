//go:build !unix

package pluginhost

import "os/exec"

// ownGroup does nothing outside Unix: a plugin's own children may outlive
// it there.
func ownGroup(*exec.Cmd) {}

// killGroup does nothing outside Unix; kill and close stop the plugin
// process itself.
func killGroup(int) {}
