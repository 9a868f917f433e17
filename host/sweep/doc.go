// Package sweep runs a family's variants over a parameter grid, on a Slurm
// cluster (one job array) or on this machine (a bounded pool of processes).
//
// A sweep is recorded under the results tree, in
// RESULTS/.tdw/sweeps/NAME/sweep.json (docs/formats/sweep-json.md): the grid,
// the variant of each task index, the executor and its options, the paths of
// the tdw-host binary and the plugin folders, and the Slurm jobs submitted.
// Every task, under either executor, is `tdw-host sweep task NAME INDEX`
// (RunTask): it trains the variant (resuming a stopped run) and analyzes it,
// recording its state in tasks/INDEX.json and appending its output to
// logs/INDEX.log. Progress is read back from the results tree itself, so
// status needs neither the executor nor the tasks to be alive.
//
// Slurm is driven through its commands (sbatch, squeue, scancel,
// scontrol); tdw schedules nothing itself. docs/sweeps.md is the user guide.
package sweep
