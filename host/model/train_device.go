package model

// deviceStepper is a training Runner that keeps the parameters and AdamW's
// moments on its device between steps and takes whole optimizer steps
// there (the CUDA backend's). The Trainer then copies the parameters back
// once per epoch, so that Model.Params is current for whoever reads it
// between epochs (evaluation, checkpoints), and the moments only when asked
// for them.
type deviceStepper interface {
	Runner
	// loadState makes the device's parameters those of p, copying only when
	// they differ from what the device holds, and with moments the device's
	// moments those of exp and expSq.
	loadState(p, exp, expSq *Params[float32], moments bool)
	// step runs forward, backward and one AdamW update at step t (1-based)
	// on B sequences and returns Σ cross-entropy before the update.
	step(tok, labels []int64, B, norm int, o AdamW, t int, frozen map[string]bool) float64
	// storeParams copies the device's parameters into p.
	storeParams(p *Params[float32])
	// storeMoments copies the device's moments into exp and expSq.
	storeMoments(exp, expSq *Params[float32])
}

// deviceBegin prepares an epoch on a device runner: its parameters from
// the model's, its moments from the trainer's unless the device already
// has the newest.
func (t *Trainer) deviceBegin() {
	t.dev.loadState(t.m.Params, t.exp, t.expSq, !t.devMoments)
	t.devMoments = true
}

// syncMoments brings the moments from the device to the trainer's copy
// when the device has the newest.
func (t *Trainer) syncMoments() {
	if t.dev != nil && t.devMoments {
		t.dev.storeMoments(t.exp, t.expSq)
	}
}
