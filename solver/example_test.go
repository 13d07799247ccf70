package solver_test

import (
	"fmt"

	"github.com/libsia/sia/solver"
)

// Keys of two bytes as rows [byte0, byte1, 1] (row-major), positions as
// targets: fit the model once, memoized under model ID 7.
func ExampleSolver_ColdTrain() {
	sv := solver.New()
	a := []float64{
		97, 97, 1,
		97, 98, 1,
		97, 122, 1,
		98, 97, 1,
		98, 99, 1,
		99, 97, 1,
	}
	b := []float64{0, 1, 2, 3, 4, 5} // overwritten: solution in b[0:3]
	if err := sv.ColdTrain(7, solver.RowMajor, 'N', 6, 3, 1, a, 3, b, 1); err != nil {
		fmt.Println(err)
		return
	}
	fmt.Printf("pos ≈ %.3f·b0 + %.4f·b1 + %.2f (memo of %d rows)\n", b[0], b[1], b[2], sv.Memo(7).Rows)
	// Output: pos ≈ 2.388·b0 + 0.0577·b1 + -236.64 (memo of 6 rows)
}

// New keys arrive: only they are factored, against the memo; the result is
// the model a refit of all rows would give.
func ExampleSolver_IncreTrain() {
	sv := solver.New()
	a := []float64{97, 97, 1, 97, 98, 1, 97, 122, 1, 98, 97, 1, 98, 99, 1, 99, 97, 1}
	b := []float64{0, 1, 2, 3, 4, 5}
	_ = sv.ColdTrain(7, solver.RowMajor, 'N', 6, 3, 1, a, 3, b, 1)

	aNew := []float64{99, 100, 1, 100, 97, 1}
	bNew := []float64{6, 7, 0} // max(m, n) = 3 rows: room for the solution
	if err := sv.IncreTrain(7, solver.RowMajor, 'N', 2, 3, 1, aNew, 3, bNew, 1); err != nil {
		fmt.Println(err)
		return
	}
	fmt.Printf("pos ≈ %.3f·b0 + %.4f·b1 + %.2f (memo of %d rows)\n", bNew[0], bNew[1], bNew[2], sv.Memo(7).Rows)

	// A model without memo says so; the caller cold-trains it.
	err := sv.IncreTrain(8, solver.RowMajor, 'N', 2, 3, 1, aNew, 3, bNew, 1)
	fmt.Println(err, solver.Code(err) == solver.CodeNoMemo)
	// Output:
	// pos ≈ 2.254·b0 + 0.0560·b1 + -223.35 (memo of 8 rows)
	// sia: incre_train: model has no memo (-1001) true
}

// One retraining pass over many models: one call, one result per job.
func ExampleSolver_TrainBatch() {
	sv := solver.New()
	a := []float64{97, 97, 1, 97, 98, 1, 97, 122, 1, 98, 97, 1, 98, 99, 1, 99, 97, 1}
	for id := int64(1); id <= 2; id++ {
		b := []float64{0, 1, 2, 3, 4, 5}
		_ = sv.ColdTrain(id, solver.RowMajor, 'N', 6, 3, 1, append([]float64(nil), a...), 3, b, 1)
	}
	row := []float64{99, 100, 1}
	jobs := []solver.BatchJob{
		{ID: 1, Layout: solver.RowMajor, M: 1, N: 3, NRHS: 1, A: row, LDA: 3, B: []float64{6, 0, 0}, LDB: 1},
		{ID: 2, Layout: solver.RowMajor, M: 1, N: 3, NRHS: 1, A: row, LDA: 3, B: []float64{9, 0, 0}, LDB: 1},
		{ID: 3, Layout: solver.RowMajor, M: 1, N: 3, NRHS: 1, A: row, LDA: 3, B: []float64{1, 0, 0}, LDB: 1},
	}
	failed := sv.TrainBatch(jobs)
	fmt.Println("failed:", failed)
	for _, j := range jobs {
		fmt.Printf("model %d: %v\n", j.ID, j.Err)
	}
	// Output:
	// failed: 1
	// model 1: <nil>
	// model 2: <nil>
	// model 3: sia: train_batch: model has no memo (-1001)
}
