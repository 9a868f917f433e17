package main

import (
	"errors"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"
)

// Single-node Slurm for the sweep tests (docs/sweeps.md "Testing"): the
// configuration measured on Debian 12's slurm-wlm 22.05 (no cgroups, no
// accounting daemon), private ports, state under the test's temp folder.
// Daemons are stopped by the PIDs in their pid files, never by name.

// skipOrFail skips the test, except under CI (env CI set), where what is
// missing is a failure: CI installs Slurm (.ci/run).
func skipOrFail(t *testing.T, format string, args ...any) {
	t.Helper()
	if os.Getenv("CI") != "" {
		t.Fatalf("CI: "+format, args...)
	}
	t.Skipf(format, args...)
}

// slurmDaemon finds a Slurm daemon on PATH or in /usr/sbin.
func slurmDaemon(name string) string {
	if p, err := exec.LookPath(name); err == nil {
		return p
	}
	if p := filepath.Join("/usr/sbin", name); fileExists(p) {
		return p
	}
	return ""
}

func fileExists(p string) bool { _, err := os.Stat(p); return err == nil }

// startSlurm starts munged (unless one runs), slurmctld and slurmd for the
// test, stops them when it ends, and sets SLURM_CONF for the test process
// and its children. It skips the test when Slurm is not installed or the
// test does not run as root (Slurm's daemons run as root here), except
// under CI.
func startSlurm(t *testing.T) {
	t.Helper()
	ctld, slurmd, munged := slurmDaemon("slurmctld"), slurmDaemon("slurmd"), slurmDaemon("munged")
	if ctld == "" || slurmd == "" || munged == "" {
		skipOrFail(t, "Slurm is not installed (apt-get install slurmctld slurmd slurm-client munge)")
	}
	if _, err := exec.LookPath("sbatch"); err != nil {
		skipOrFail(t, "the Slurm client is not installed (apt-get install slurm-client)")
	}
	if os.Geteuid() != 0 {
		skipOrFail(t, "the test's Slurm daemons run as root")
	}
	dir, err := os.MkdirTemp("", "tdw-slurm-")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(dir) })
	conf := filepath.Join(dir, "slurm.conf")
	if err := os.WriteFile(conf, []byte(slurmConf(t, dir)), 0o644); err != nil {
		t.Fatal(err)
	}
	t.Setenv("SLURM_CONF", conf)
	startMunge(t, munged)
	for _, d := range []struct {
		pidFile string
		argv    []string
	}{
		{filepath.Join(dir, "slurmctld.pid"), []string{ctld, "-f", conf}},
		{filepath.Join(dir, "slurmd.pid"), []string{slurmd, "-f", conf, "-N", "localhost"}},
	} {
		// Registered in order, stopped in reverse: slurmd first.
		t.Cleanup(func() { stopByPIDFile(t, d.pidFile) })
		if out, err := exec.Command(d.argv[0], d.argv[1:]...).CombinedOutput(); err != nil {
			t.Fatalf("%s: %v\n%s\n%s", d.argv[0], err, out, logTail(dir))
		}
	}
	deadline := time.Now().Add(30 * time.Second)
	for {
		out, _ := exec.Command("sinfo", "-h", "-o", "%T").Output()
		if strings.TrimSpace(string(out)) == "idle" {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("Slurm did not come up (sinfo says %q)\n%s", out, logTail(dir))
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// slurmConf is the configuration of a one-node cluster with its files
// under dir and two free ports.
func slurmConf(t *testing.T, dir string) string {
	return fmt.Sprintf(`ClusterName=tdwtest
SlurmctldHost=localhost
SlurmctldPort=%d
SlurmdPort=%d
SlurmUser=root
SlurmdUser=root
AuthType=auth/munge
CredType=cred/munge
StateSaveLocation=%[3]s/state
SlurmdSpoolDir=%[3]s/spool
SlurmctldPidFile=%[3]s/slurmctld.pid
SlurmdPidFile=%[3]s/slurmd.pid
SlurmctldLogFile=%[3]s/slurmctld.log
SlurmdLogFile=%[3]s/slurmd.log
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
JobAcctGatherType=jobacct_gather/none
AccountingStorageType=accounting_storage/none
JobCompType=jobcomp/filetxt
JobCompLoc=%[3]s/jobcomp.txt
SchedulerType=sched/backfill
SelectType=select/cons_tres
SelectTypeParameters=CR_Core
MpiDefault=none
ReturnToService=2
MinJobAge=600
NodeName=localhost NodeAddr=127.0.0.1 CPUs=%[4]d State=UNKNOWN
PartitionName=debug Nodes=localhost Default=YES MaxTime=INFINITE State=UP
`, freePort(t), freePort(t), dir, max(2, numCPU()))
}

// numCPU is the machine's CPU count as slurmd sees it.
func numCPU() int {
	out, err := exec.Command("nproc").Output()
	if err != nil {
		return 2
	}
	n, _ := strconv.Atoi(strings.TrimSpace(string(out)))
	return n
}

// freePort returns a TCP port nothing listens on just now.
func freePort(t *testing.T) int {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port
}

// startMunge starts munged as the munge user unless one runs already (then
// it is left alone), creating the key if there is none.
func startMunge(t *testing.T, munged string) {
	t.Helper()
	const pidFile = "/run/munge/munged.pid"
	if pid, err := readPID(pidFile); err == nil && syscall.Kill(pid, 0) == nil {
		return
	}
	if !fileExists("/etc/munge/munge.key") {
		if out, err := exec.Command("mungekey", "--create").CombinedOutput(); err != nil {
			t.Fatalf("mungekey: %v\n%s", err, out)
		}
		if out, err := exec.Command("chown", "munge:munge", "/etc/munge/munge.key").CombinedOutput(); err != nil {
			t.Fatalf("chown munge.key: %v\n%s", err, out)
		}
	}
	if out, err := exec.Command("install", "-d", "-o", "munge", "-g", "munge", "-m", "0755", "/run/munge").CombinedOutput(); err != nil {
		t.Fatalf("install /run/munge: %v\n%s", err, out)
	}
	t.Cleanup(func() { stopByPIDFile(t, pidFile) })
	if out, err := exec.Command("runuser", "-u", "munge", "--", munged).CombinedOutput(); err != nil {
		t.Fatalf("munged: %v\n%s", err, out)
	}
}

func readPID(path string) (int, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return 0, err
	}
	pid, err := strconv.Atoi(strings.TrimSpace(string(b)))
	if err == nil && pid <= 1 {
		err = errors.New("no pid")
	}
	return pid, err
}

// stopByPIDFile sends SIGTERM to the process in pidFile and waits for it to
// go; SIGKILL after 15 s.
func stopByPIDFile(t *testing.T, pidFile string) {
	pid, err := readPID(pidFile)
	if err != nil || syscall.Kill(pid, syscall.SIGTERM) != nil {
		return
	}
	if waitGone(pid, 15*time.Second) {
		return
	}
	t.Logf("%s: pid %d ignored SIGTERM; killing it", pidFile, pid)
	syscall.Kill(pid, syscall.SIGKILL)
	if !waitGone(pid, 5*time.Second) {
		t.Errorf("%s: pid %d is still there", pidFile, pid)
	}
}

// waitGone waits up to d for process pid to end; a zombie (an orphan
// nothing reaps, as in a container without an init) counts as ended.
func waitGone(pid int, d time.Duration) bool {
	for deadline := time.Now().Add(d); time.Now().Before(deadline); time.Sleep(50 * time.Millisecond) {
		if syscall.Kill(pid, 0) != nil {
			return true
		}
		stat, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
		if i := strings.LastIndexByte(string(stat), ')'); err == nil && i >= 0 && strings.HasPrefix(string(stat[i+1:]), " Z") {
			return true
		}
	}
	return false
}

// logTail returns the end of the daemons' logs, for a failure message.
func logTail(dir string) string {
	var b strings.Builder
	for _, f := range []string{"slurmctld.log", "slurmd.log"} {
		data, _ := os.ReadFile(filepath.Join(dir, f))
		if len(data) > 2000 {
			data = data[len(data)-2000:]
		}
		fmt.Fprintf(&b, "--- %s\n%s", f, data)
	}
	return b.String()
}
