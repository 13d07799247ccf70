package solver

// DecreTrain removes m rows from the memo of id — exact deletes — and
// solves for the rows that remain.
//
// a (m × n) holds rows that were absorbed earlier (by ColdTrain or
// IncreTrain) and b their targets as they were absorbed; the arguments are
// those of IncreTrain. R and Qᵀb are downdated with LINPACK's dchdd
// (Saunders' method, O(m·n²)): the result equals a cold fit of the remaining
// rows to rounding. Removing rows can be ill-conditioned; DecreTrain refuses
// with ErrCold (CodeCold) and leaves the memo unchanged when fewer than n
// rows would remain or a removed row or target has an entry larger than any
// absorbed (both checked before any work: such a row was never part of the
// model), and, during the downdate, when for some removed row z
// α² = 1 − ‖R⁻ᵀz‖² < 1e-2 (device.DowndateMinAlpha2), when a row's transformed
// residual ζ exceeds the norm cn of the downdated Qᵀb (its target lies far
// off the fit) or 1/α² + |ζ|/(α·cn), the two error amplifications
// together, exceeds 100, when a residual sum of squares would turn negative (the row
// was not in the model), or when the downdated R's 1-norm condition
// estimate exceeds 1e10 (device.DowndateMaxCond); the caller then
// cold-trains on the remaining rows. Lazy deletion — never calling
// DecreTrain and keeping deleted rows in the model, as the SIA paper does —
// stays possible: the model then fits a superset of the live keys.
//
// Errors: as IncreTrain, plus ErrCold. In the rank-revealing mode a
// downdate of a singular R is refused with ErrCold.
func (s *Solver) DecreTrain(id int64, layout Layout, trans byte, m, n, nrhs int, a []float64, lda int, b []float64, ldb int) error {
	_, err := s.update("decre_train", id, layout, trans, m, n, nrhs, a, lda, b, ldb, true)
	return err
}
