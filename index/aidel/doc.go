// Package aidel is an ordered map from byte-string keys to values built as a
// learned index after AIDEL ("A Scalable Learned Index Scheme in Storage
// Systems", Li et al.), with its models trained through package solver so
// that retraining is incremental.
//
// # Structure
//
// BulkLoad partitions the sorted keys with the learning probe algorithm
// (LPA): a segment grows by LearningStep keys while its least-squares model's
// maximum error stays within Threshold and backs off by
// LearningStep·LearningRate keys when it does not. Each segment becomes an
// independent linear model over a window of its keys' bytes,
//
//	pos(key) ≈ Σⱼ wⱼ·key[cⱼ] + w_bias,
//
// where the columns cⱼ are the positions in [off, off+F) at which the
// segment's first keys differ — off is the length of the prefix they share,
// F is Config.FeatureBytes, bytes past the end of a key count as 0. Leaving
// out constant columns keeps R nonsingular, so models are fitted in dgels
// mode; a solve that still meets an exactly singular R is redone in the
// solver's rank-revealing mode (Stats.RankReveal). A first stage — the models'
// first keys, sorted — maps a key to its model; the model predicts a position
// and its error bounds [minErr, maxErr] give the window the key must lie in.
//
// Inserted keys go into sorted lists behind the entry that precedes them, so
// the positions the model learned never move. When a model's lists have
// grown past a bound (Config.RetrainFraction of its keys, or MaxList in one
// list) the model is queued for retraining: its lists are merged into its array
// and the new keys receive positions between their neighbours' (fractions of
// the gap; keys after the last entry continue in unit steps), so every old
// key keeps its position and its target.
//
// # Incremental retraining and the error bound
//
// Because old targets do not move, a retrain is plain solver.IncreTrain over
// the k new rows, O(k·n²), instead of a refit of all m rows, O(m·n²)
// (Config.Mode selects FullRefit for comparison). Keys deleted since the last
// retrain leave the array and, having fixed targets, are removed from the
// model exactly with solver.DecreTrain (a refused downdate, SIA_ECOLD, makes
// the retrain a cold refit). The error bound is kept valid without a pass
// over old rows: if the weights change by Δw, every old row's error
// eᵢ = posᵢ − wᵀaᵢ changes by −aᵢᵀΔw, and
//
//	|aᵢᵀΔw| ≤ δ = min(‖Δw‖₂·maxᵢ‖aᵢ‖₂, |cᵀΔw| + Σⱼ|Δwⱼ|·hⱼ)
//
// (Cauchy–Schwarz; and the exact maximum of |aᵀΔw| over the box of the
// columns' ranges [minᵢaᵢⱼ, maxᵢaᵢⱼ], centre c, half-widths h), with
// max‖aᵢ‖₂ and the column ranges kept per model. So [minErr−δ, maxErr+δ] still holds every old row,
// the new rows' errors are computed exactly (O(k·n)), and an exact O(m·n)
// pass is made only when the widened bound exceeds Slack·Threshold; if the
// exact error still exceeds it, LPA re-partitions the model's keys (a split).
// The same widening lets LPA's forward probes skip the pass over the
// segment's earlier rows. TestWidenBound checks δ against random rows
// and its attainment; TestModelBased checks every absorbed key against its
// model's bounds after every retrain pass.
//
// What is left of a retrain is O(m) pointer moves (merging lists into the
// array and rebuilding the position-to-index table), no O(m·n) arithmetic.
//
// # Passes
//
// The trainer retrains in passes: it takes every queued model, up to
// Config.MaxPass, snapshots them all, and trains the new rows of every
// incremental model in one solver.TrainBatch call — distinct memo IDs, so
// one launch on the training engine — before widening the bounds, splitting
// and installing model by model (deletes, cold refits and Shifted retrains
// stay per model). A model in a pass is not queued again by Puts; its
// install queues it if the keys carried over are due by themselves.
// OnPass and Stats report a pass's size and time. The
// arrays a retrain replaces (entries, positions, hints, position table, list
// slots, fit vectors) are kept as best-fit spares a pass deep and reused by
// the next snapshots, and a model records which list slots it used, so in
// steady state a retrain allocates almost nothing of its own
// (TestRetrainGarbage).
//
// # Concurrency
//
// All methods are safe for concurrent use, except BulkLoad, which must not
// run concurrently with anything else. Each model has a read-write lock:
// Get and Range take it shared; Put and Delete take it exclusively for the
// short time of a list insert, so writers on different models proceed in
// parallel. Retraining runs one pass at a time (StartTrainer's goroutine,
// or Retrain called by the user): it snapshots each model of the pass under
// its shared lock, trains with no lock held — readers and writers go on —
// and takes each model's exclusive lock only to install its result, carrying
// over keys inserted meanwhile. A split replaces the first stage atomically; readers
// and writers that reach a retired model retry from the first stage.
// Values are read and written under the model's lock; a V that is itself a
// reference must be synchronized by the caller.
package aidel
