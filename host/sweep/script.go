package sweep

import (
	"fmt"
	"strings"
)

// TaskScript is the Slurm batch script of the sweep. Array task ID plus the
// offset given as its first argument is the variant index. The script
// sends its output to that variant's log and then execs tdw-host, so that
// Slurm's SIGTERM (scancel, time limit, preemption, requeue) reaches tdw,
// which saves its state; a requeued task resumes from it. GOMAXPROCS
// follows the CPUs Slurm gave the task (with task/none nothing else limits
// it).
func TaskScript(sw *Sweep) string {
	var b strings.Builder
	fmt.Fprintf(&b, `#!/bin/bash
# Task script of tdw sweep %s, written by tdw-host sweep (docs/sweeps.md).
# sbatch --array runs it once per variant; the variant index is the array
# task ID plus the offset given as the first argument.
set -eu
index=$(( ${1:-0} + SLURM_ARRAY_TASK_ID ))
if [ -n "${SLURM_CPUS_PER_TASK:-}" ]; then export GOMAXPROCS="$SLURM_CPUS_PER_TASK"; fi
exec >>%s/"$index".log 2>&1
exec %s "$index"
`, sw.Name, shellQuote(sw.Dir()+"/logs"), strings.Join(quoteAll(TaskCommand(sw)), " "))
	return b.String()
}

// TaskCommand is the command line of a task, less its variant index: the
// recorded tdw-host binary with the recorded folders.
func TaskCommand(sw *Sweep) []string {
	args := []string{sw.Paths.TDWHost, "--results", sw.Paths.Results, "--families-dir", sw.Paths.Families,
		"--analyzers-dir", sw.Paths.Analyzers, "--log-level", "info"}
	if sw.Backend != "" {
		args = append(args, "--backend", sw.Backend)
	}
	return append(args, "sweep", "task", sw.Name)
}

// SbatchArgs are the sbatch arguments that submit chunk c of the sweep's
// tasks: one array job, requeued on node failure or preemption, with
// Slurm's own output per task beside the variant logs.
func SbatchArgs(sw *Sweep, c chunk) []string {
	o := sw.Slurm
	if o == nil {
		o = &SlurmOptions{}
	}
	args := []string{"--parsable", "--job-name=tdw-sweep-" + sw.Name, "--array=" + arraySpec(c.local, o.Parallel),
		"--requeue", "--open-mode=append", "--chdir=" + sw.Dir(),
		"--output=" + sw.Dir() + "/logs/slurm-%A_%a.out"}
	if o.Partition != "" {
		args = append(args, "--partition="+o.Partition)
	}
	if o.Time != "" {
		args = append(args, "--time="+o.Time)
	}
	if o.CPUsPerTask > 0 {
		args = append(args, fmt.Sprintf("--cpus-per-task=%d", o.CPUsPerTask))
	}
	if o.Mem != "" {
		args = append(args, "--mem="+o.Mem)
	}
	args = append(args, o.ExtraArgs...)
	return append(args, sw.ScriptPath(), fmt.Sprint(c.offset))
}

// shellQuote quotes s for bash: single quotes, with ' written '\”.
func shellQuote(s string) string {
	return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'"
}

func quoteAll(list []string) []string {
	out := make([]string, len(list))
	for i, s := range list {
		out[i] = shellQuote(s)
	}
	return out
}
