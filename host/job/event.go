package job

import (
	"math"
	"time"

	"github.com/tdw-workbench/tdw/host/analysis"
	"github.com/tdw-workbench/tdw/host/variant"
)

// Kind is what a job does.
type Kind string

// The kinds of job.
const (
	KindTrain   Kind = "train"
	KindAnalyze Kind = "analyze"
)

// State is where a job is in its life.
type State string

// The states of a job. Done, Failed and Cancelled are final.
const (
	Queued    State = "queued"
	Running   State = "running"
	Done      State = "done"
	Failed    State = "failed"
	Cancelled State = "cancelled"
)

// Final reports whether s is a state a job never leaves.
func (s State) Final() bool { return s == Done || s == Failed || s == Cancelled }

// Event is one progress report of a running job.
type Event struct {
	// Seq numbers the job's events from 1.
	Seq  int       `json:"seq"`
	Time time.Time `json:"time"`
	// Phase is "train" for training, or the analysis phase ("forward",
	// "analyze", "cross-epoch").
	Phase string `json:"phase"`
	// Done of Total steps (epochs for training) are finished.
	Done  int `json:"done"`
	Total int `json:"total"`
	// Epoch is the epoch just trained or the checkpoint just analyzed.
	Epoch int `json:"epoch"`
	// Line is the report as one line of text, as the CLI prints it.
	Line string `json:"line"`
	// The losses and accuracy of a training epoch (absent when not finite
	// or not training).
	TrainLoss *float64 `json:"train_loss,omitempty"`
	TestLoss  *float64 `json:"test_loss,omitempty"`
	TestAcc   *float64 `json:"test_acc,omitempty"`
	// ElapsedSeconds and ETASeconds: time spent and estimated to go (0:
	// unknown).
	ElapsedSeconds float64 `json:"elapsed_seconds"`
	ETASeconds     float64 `json:"eta_seconds"`
}

// trainEvent converts a training progress report.
func trainEvent(p variant.Progress) Event {
	return Event{Phase: "train", Done: p.Epoch, Total: p.Total, Epoch: p.Epoch, Line: TrainLine(p),
		TrainLoss: finitePtr(p.TrainLoss), TestLoss: finitePtr(p.TestLoss), TestAcc: finitePtr(p.TestAcc),
		ElapsedSeconds: p.Elapsed.Seconds(), ETASeconds: p.ETA.Seconds()}
}

// analyzeEvent converts an analysis progress report.
func analyzeEvent(p analysis.Progress) Event {
	return Event{Phase: p.Phase, Done: p.Done, Total: p.Total, Epoch: p.Epoch, Line: AnalyzeLine(p),
		ElapsedSeconds: p.Elapsed.Seconds(), ETASeconds: p.ETA.Seconds()}
}

// finitePtr returns &x, or nil for NaN and ±Inf (which JSON cannot carry).
func finitePtr(x float64) *float64 {
	if math.IsNaN(x) || math.IsInf(x, 0) {
		return nil
	}
	return &x
}

// Info is a snapshot of a job.
type Info struct {
	ID   string `json:"id"`
	Kind Kind   `json:"kind"`
	// Family and Variant name the variant the job works on.
	Family  string     `json:"family"`
	Variant string     `json:"variant"`
	State   State      `json:"state"`
	Created time.Time  `json:"created"`
	Started *time.Time `json:"started,omitempty"`
	Ended   *time.Time `json:"ended,omitempty"`
	// Last is the latest progress event (nil before the first).
	Last *Event `json:"last,omitempty"`
	// Error is why a failed or cancelled job stopped.
	Error string `json:"error,omitempty"`
	// Summary describes a finished job's result in one line.
	Summary string `json:"summary,omitempty"`
	// Request is the TrainRequest or AnalyzeRequest the job runs.
	Request any `json:"request"`
	// Estimate is the job's memory and disk estimate made when it was
	// started (nil when it could not be made then, or AllowLarge skipped it).
	Estimate *Estimate `json:"estimate,omitempty"`
	// Events is the job's recent event history, oldest first (set by Get
	// only).
	Events []Event `json:"events,omitempty"`
}
