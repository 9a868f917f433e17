//go:build unix

package pluginhost

import (
	"os/exec"
	"syscall"
)

// ownGroup starts the plugin as the leader of a process group of its own,
// so that the processes it starts, which inherit the group, are killed with
// it (killGroup) instead of outliving it.
func ownGroup(cmd *exec.Cmd) {
	if cmd.SysProcAttr == nil {
		cmd.SysProcAttr = &syscall.SysProcAttr{}
	}
	cmd.SysProcAttr.Setpgid = true
}

// killGroup SIGKILLs every process in the group of the plugin whose pid is
// given (the group's leader); it does nothing for pid <= 0, or when none is
// left.
func killGroup(pid int) {
	if pid > 0 {
		_ = syscall.Kill(-pid, syscall.SIGKILL)
	}
}
