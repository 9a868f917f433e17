package pluginhost

import (
	"os/exec"
	"syscall"
)

// diesWithHost asks the kernel to SIGKILL the plugin when the host dies,
// however it dies. (Strictly: when the host thread that started it exits;
// Go keeps its threads for the life of the process unless a goroutine exits
// while locked to one, which nothing that launches plugins does.)
func diesWithHost(cmd *exec.Cmd) {
	if cmd.SysProcAttr == nil {
		cmd.SysProcAttr = &syscall.SysProcAttr{}
	}
	cmd.SysProcAttr.Pdeathsig = syscall.SIGKILL
}
