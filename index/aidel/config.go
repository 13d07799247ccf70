package aidel

import (
	"errors"
	"fmt"
	"math"

	"github.com/libsia/sia/solver"
)

// TrainMode selects how a model is retrained after its lists are merged.
type TrainMode int

const (
	// Incremental absorbs only the new rows into the model's memoized factor
	// (solver.IncreTrain, O(k·n²)) and widens the error bound in O(n).
	Incremental TrainMode = iota
	// FullRefit cold-trains the model on all its rows (solver.ColdTrain,
	// O(m·n²)) and recomputes the error bound exactly (O(m·n)): what an
	// index without memoization does, kept for comparison.
	FullRefit
	// Shifted renumbers a model's keys 0, 1, … at every retrain, as SIndex
	// does, so old rows' targets move: R absorbs the new rows and the
	// weights come from solver.IncreTrainShifted, O(k·n² + m·n), with an
	// exact error pass, O(m·n). Kept for comparison: the cost the stable
	// positions of Incremental avoid.
	Shifted
)

// String returns "incremental", "full" or "shifted".
func (m TrainMode) String() string {
	switch m {
	case FullRefit:
		return "full"
	case Shifted:
		return "shifted"
	}
	return "incremental"
}

// Config holds an index's parameters. The zero value of a field selects
// its default.
type Config struct {
	// FeatureBytes is F, the number of key bytes each model reads (n = F+1
	// columns with the bias). Default 16, at most solver.MaxColumns−1.
	FeatureBytes int
	// Threshold is LPA's bound on a model's maximum error, in positions.
	// Default 32.
	Threshold float64
	// LearningStep is LPA's forward step in keys. Default max(256, 2·(F+1)).
	LearningStep int
	// LearningRate scales the back-off step (LearningStep·LearningRate
	// keys, at least 1). Default 0.25; must lie in (0, 1].
	LearningRate float64
	// Slack: an exact error pass is made when a widened bound exceeds
	// Slack·Threshold, and a model whose exact error exceeds it is split.
	// Default 2; must be ≥ 1.
	Slack float64
	// RetrainFraction: a model is queued for retraining when the keys
	// inserted since its last training exceed RetrainFraction of its keys
	// (and MinRetrain). Default 0.05.
	RetrainFraction float64
	// MinRetrain is the least number of inserts that queue a retrain.
	// Default 32.
	MinRetrain int
	// MaxList queues a retrain when one sorted list grows past it.
	// Default 64.
	MaxList int
	// MaxPass bounds the models retrained in one pass: the trainer takes
	// every queued model, up to MaxPass, and trains their new rows in one
	// solver.TrainBatch call. Default 64.
	MaxPass int
	// Mode is the retraining method. Default Incremental.
	Mode TrainMode
	// RCond is the threshold of the rank-revealing solves that replace a
	// solve meeting an exactly singular R (see solver.Solver.SetRCond).
	// Default 1e-10; must lie in [0, 1).
	RCond float64
	// Solver trains the models; nil gives a new one. The index puts it in
	// dgels mode (SetRCond(−1)), adds a rank-revealing solver on its memo
	// store and engine, and uses model IDs from 1 upward: give each index
	// its own.
	Solver *solver.Solver
}

// ErrConfig reports an invalid Config field.
var ErrConfig = errors.New("aidel: invalid config")

// withDefaults returns c with defaults filled in, or an error.
func (c Config) withDefaults() (Config, error) {
	if c.FeatureBytes == 0 {
		c.FeatureBytes = 16
	}
	if c.FeatureBytes < 1 || c.FeatureBytes >= solver.MaxColumns {
		return c, fmt.Errorf("%w: FeatureBytes %d", ErrConfig, c.FeatureBytes)
	}
	if c.Threshold == 0 {
		c.Threshold = 32
	}
	if c.LearningStep == 0 {
		c.LearningStep = max(256, 2*(c.FeatureBytes+1))
	}
	if c.LearningRate == 0 {
		c.LearningRate = 0.25
	}
	if c.Slack == 0 {
		c.Slack = 2
	}
	if c.RetrainFraction == 0 {
		c.RetrainFraction = 0.05
	}
	if c.MinRetrain == 0 {
		c.MinRetrain = 32
	}
	if c.MaxList == 0 {
		c.MaxList = 64
	}
	if c.RCond == 0 {
		c.RCond = 1e-10
	}
	if c.MaxPass == 0 {
		c.MaxPass = 64
	}
	switch {
	case !(c.Threshold >= 1) || math.IsInf(c.Threshold, 0):
		return c, fmt.Errorf("%w: Threshold %g", ErrConfig, c.Threshold)
	case c.LearningStep < 1:
		return c, fmt.Errorf("%w: LearningStep %d", ErrConfig, c.LearningStep)
	case !(c.LearningRate > 0 && c.LearningRate <= 1):
		return c, fmt.Errorf("%w: LearningRate %g", ErrConfig, c.LearningRate)
	case !(c.Slack >= 1) || math.IsInf(c.Slack, 0):
		return c, fmt.Errorf("%w: Slack %g", ErrConfig, c.Slack)
	case !(c.RetrainFraction > 0) || math.IsInf(c.RetrainFraction, 0):
		return c, fmt.Errorf("%w: RetrainFraction %g", ErrConfig, c.RetrainFraction)
	case c.MinRetrain < 1 || c.MaxList < 1 || c.MaxPass < 1:
		return c, fmt.Errorf("%w: MinRetrain %d, MaxList %d, MaxPass %d", ErrConfig, c.MinRetrain, c.MaxList, c.MaxPass)
	case !(c.RCond >= 0 && c.RCond < 1):
		return c, fmt.Errorf("%w: RCond %g", ErrConfig, c.RCond)
	case c.Mode != Incremental && c.Mode != FullRefit && c.Mode != Shifted:
		return c, fmt.Errorf("%w: Mode %d", ErrConfig, c.Mode)
	}
	return c, nil
}
