package job

import (
	"fmt"
	"strings"
)

// The resource guard: before a training or an analysis starts, its peak
// memory and the disk it adds are estimated from the model config, the data
// and the schedule, and the job is refused when either exceeds what the
// machine has (a p = 1009 variant took 11 GB to train and its analysis was
// killed for memory). AllowLarge runs it anyway. estimate_train.go and
// estimate_analysis.go make the estimates; docs/engine.md ("Memory")
// compares them with measured peaks.

// Fixed costs, measured (docs/engine.md "Memory"): the memory of tdw-host
// itself and of one plugin process before they hold any data.
const (
	hostBaseBytes   = 64 << 20
	pluginBaseBytes = 24 << 20
)

// checkEstimate refuses a job whose estimate exceeds what the machine has
// (a *TooLargeError). An estimate that cannot be made refuses nothing: the
// job then meets, and reports in its own words, what stopped the estimate.
func checkEstimate(env Env, estimate func() (*Estimate, error)) error {
	est, err := estimate()
	if err != nil {
		env.logger().Debug("no resource estimate", "error", err)
		return nil
	}
	return est.Check()
}

// Estimate is what a job is expected to need at its peak.
type Estimate struct {
	// Job says what is estimated: "training of VARIANT" or "analysis of
	// VARIANT".
	Job string `json:"job"`
	// Memory is the peak resident memory of tdw-host and its plugins
	// together, in bytes.
	Memory int64 `json:"memory_bytes"`
	// Disk is what the job adds under the results folder, in bytes.
	Disk int64 `json:"disk_bytes"`
	// Parts are what Memory and Disk add up from.
	Parts []EstimatePart `json:"parts"`
	// Machine is what the machine had when the estimate was made.
	Machine Machine `json:"machine"`
}

// EstimatePart is one term of an Estimate.
type EstimatePart struct {
	What   string `json:"what"`
	Memory int64  `json:"memory_bytes,omitempty"`
	Disk   int64  `json:"disk_bytes,omitempty"`
}

// add appends a part and adds it to the totals.
func (e *Estimate) add(what string, memory, disk int64) {
	e.Parts = append(e.Parts, EstimatePart{What: what, Memory: memory, Disk: disk})
	e.Memory += memory
	e.Disk += disk
}

// Check returns a *TooLargeError when the estimate exceeds the machine's
// available memory or free disk (each only when known), nil otherwise.
func (e *Estimate) Check() error {
	switch {
	case e.Machine.Memory > 0 && e.Memory > e.Machine.Memory:
		return &TooLargeError{Estimate: e, Resource: "memory"}
	case e.Machine.Disk > 0 && e.Disk > e.Machine.Disk:
		return &TooLargeError{Estimate: e, Resource: "disk"}
	}
	return nil
}

// String is the estimate as a dry run prints it: the totals against what
// the machine has, then the parts.
func (e *Estimate) String() string {
	var b strings.Builder
	fmt.Fprintf(&b, "%s: about %s of memory (available: %s), %s of disk (free: %s)\n",
		e.Job, Bytes(e.Memory), known(e.Machine.Memory), Bytes(e.Disk), known(e.Machine.Disk))
	for _, p := range e.Parts {
		switch {
		case p.Memory > 0 && p.Disk > 0:
			fmt.Fprintf(&b, "  %-9s memory, %-9s disk: %s\n", Bytes(p.Memory), Bytes(p.Disk), p.What)
		case p.Memory > 0:
			fmt.Fprintf(&b, "  %-9s memory: %s\n", Bytes(p.Memory), p.What)
		default:
			fmt.Fprintf(&b, "  %-9s disk: %s\n", Bytes(p.Disk), p.What)
		}
	}
	return b.String()
}

// known formats a machine figure, 0 meaning unknown.
func known(n int64) string {
	if n <= 0 {
		return "unknown"
	}
	return Bytes(n)
}

// Bytes formats a byte count with a binary unit: "1.5 GiB".
func Bytes(n int64) string {
	const unit = 1024
	if n < unit {
		return fmt.Sprintf("%d B", n)
	}
	v, u := float64(n)/unit, 0
	for v >= unit && u < 4 {
		v /= unit
		u++
	}
	return fmt.Sprintf("%.1f %s", v, []string{"KiB", "MiB", "GiB", "TiB", "PiB"}[u])
}

// TooLargeError refuses a job whose estimate exceeds the machine's
// available memory or free disk; the request's AllowLarge overrides it.
type TooLargeError struct {
	Estimate *Estimate
	// Resource is "memory" or "disk".
	Resource string
}

func (e *TooLargeError) Error() string {
	est, have, src := e.Estimate.Memory, e.Estimate.Machine.Memory, e.Estimate.Machine.MemorySource
	if e.Resource == "disk" {
		est, have, src = e.Estimate.Disk, e.Estimate.Machine.Disk, "free under the results folder"
	}
	return fmt.Sprintf("%s needs about %s of %s, and this machine has %s (%s): refused; allow_large (tdw-host --allow-large) runs it anyway",
		e.Estimate.Job, Bytes(est), e.Resource, Bytes(have), src)
}
