package cpu

import (
	"fmt"
	"math"
	"math/big"
	"math/rand/v2"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/libsia/sia/device"
)

// TestResDDKernels: every kernel's resDD (the shifted solve's correction
// pass) against the exact residuals r = b − A·x and products Aᵀr
// (200-bit arithmetic), on widths around each kernel's vector length and
// row counts around its row grouping, with NaN in the padding of A (a
// kernel that reads past a row fails), and with hi, lo, x exactly n long
// (one that writes or reads past them panics or fails).
func TestResDDKernels(t *testing.T) {
	rnd := rand.New(rand.NewPCG(7, 7))
	for _, n := range []int{1, 2, 3, 4, 5, 7, 8, 9, 12, 16, 17, 33, 65} {
		for _, k := range []int{1, 3, 4, 5, 8, 13} {
			lda, ldb := n+3, 2
			a := make([]float64, k*lda)
			b := make([]float64, k*ldb)
			for i := range a {
				a[i] = math.NaN()
			}
			for i := range b {
				b[i] = math.NaN()
			}
			x := make([]float64, n)
			for j := range x {
				x[j] = rnd.NormFloat64()
			}
			for i := 0; i < k; i++ {
				for j := 0; j < n; j++ {
					a[i*lda+j] = float64(rnd.IntN(256)) * (1 + 0x1p-30*rnd.Float64())
				}
				// Targets close to A·x, so the residual cancels.
				s := 0.0
				for j := 0; j < n; j++ {
					s += a[i*lda+j] * x[j]
				}
				b[i*ldb] = s * (1 + 1e-9*rnd.NormFloat64())
			}
			wantG, wantRR := exactResidual(a, lda, k, n, b, ldb, x)
			// Double-double keeps r_i to about ε²·(|b_i| + Σ|a_il·x_l|),
			// so g_j to that times |a_ij|, summed.
			tol := 0.0
			for i := 0; i < k; i++ {
				s, amax := math.Abs(b[i*ldb]), 0.0
				for j := 0; j < n; j++ {
					s += math.Abs(a[i*lda+j] * x[j])
					amax = max(amax, math.Abs(a[i*lda+j]))
				}
				tol += 64 * float64(n) * 0x1p-106 * amax * s
			}
			for _, kern := range kernels {
				t.Run(fmt.Sprintf("n=%d/k=%d/%s", n, k, kern.name), func(t *testing.T) {
					hi, lo := make([]float64, n), make([]float64, n)
					rr := kern.resDD(a, lda, k, n, b, ldb, x, hi, lo)
					for j := 0; j < n; j++ {
						got := new(big.Float).SetPrec(200).SetFloat64(hi[j])
						got.Add(got, new(big.Float).SetPrec(200).SetFloat64(lo[j]))
						d, _ := new(big.Float).Sub(got, wantG[j]).Float64()
						require.LessOrEqual(t, math.Abs(d), tol, "g[%d]", j)
					}
					require.InDelta(t, wantRR, rr, 1e-12*wantRR+1e-300)
				})
			}
		}
	}
}

// exactResidual returns Aᵀ(b − A·x) and ‖b − A·x‖² in 200-bit arithmetic.
func exactResidual(a []float64, lda, k, n int, b []float64, ldb int, x []float64) ([]*big.Float, float64) {
	g := make([]*big.Float, n)
	for j := range g {
		g[j] = new(big.Float).SetPrec(200)
	}
	var rr float64
	for i := 0; i < k; i++ {
		r := new(big.Float).SetPrec(200).SetFloat64(b[i*ldb])
		for j := 0; j < n; j++ {
			p := new(big.Float).SetPrec(200).SetFloat64(a[i*lda+j])
			p.Mul(p, new(big.Float).SetPrec(200).SetFloat64(x[j]))
			r.Sub(r, p)
		}
		rf, _ := r.Float64()
		rr += rf * rf
		for j := 0; j < n; j++ {
			p := new(big.Float).SetPrec(200).SetFloat64(a[i*lda+j])
			g[j].Add(g[j], p.Mul(p, r))
		}
	}
	return g, rr
}

// TestDDColumnKernels: every kernel's ddAxpyNeg and ddDot (the column-major
// correction pass), and their four-column forms where a kernel has them,
// against 200-bit arithmetic, on lengths around the vector
// width, with a NaN just past the end of every input (a kernel that reads
// past its length fails).
func TestDDColumnKernels(t *testing.T) {
	rnd := rand.New(rand.NewPCG(8, 8))
	const u2 = 0x1p-106
	bf := func(v float64) *big.Float { return new(big.Float).SetPrec(200).SetFloat64(v) }
	for _, k := range []int{1, 3, 4, 5, 8, 13, 64, 67} {
		guarded := func() []float64 { // k values, then a NaN guard
			v := make([]float64, k+1)
			v[k] = math.NaN()
			return v[:k]
		}
		a, rh, rl := guarded(), guarded(), guarded()
		x := rnd.NormFloat64()
		for i := 0; i < k; i++ {
			a[i] = float64(rnd.IntN(256)) * (1 + 0x1p-30*rnd.Float64())
			rh[i] = a[i] * x * (1 + 1e-9*rnd.NormFloat64()) // cancels against a·x
			rl[i] = rh[i] * 0x1p-60 * rnd.NormFloat64()
		}
		for _, kern := range kernels {
			t.Run(fmt.Sprintf("k=%d/%s", k, kern.name), func(t *testing.T) {
				h, l := guarded(), guarded()
				copy(h, rh)
				copy(l, rl)
				kern.ddAxpyNeg(a, x, h, l)
				for i := 0; i < k; i++ {
					want := bf(rh[i])
					want.Add(want, bf(rl[i]))
					want.Sub(want, bf(a[i]).Mul(bf(a[i]), bf(x)))
					got := bf(h[i])
					got.Add(got, bf(l[i]))
					d, _ := got.Sub(got, want).Float64()
					require.LessOrEqual(t, math.Abs(d), 8*u2*(math.Abs(rh[i])+math.Abs(a[i]*x)), "axpy %d", i)
				}
				dh, dl := kern.ddDot(a, rh, rl)
				want := bf(0)
				tol := 0.0
				for i := 0; i < k; i++ {
					r := bf(rh[i])
					r.Add(r, bf(rl[i]))
					want.Add(want, r.Mul(r, bf(a[i])))
					tol += 8 * float64(k) * u2 * math.Abs(a[i]*rh[i])
				}
				got := bf(dh)
				got.Add(got, bf(dl))
				d, _ := got.Sub(got, want).Float64()
				require.LessOrEqual(t, math.Abs(d), tol, "dot")
				if kern.ddAxpyNeg4 == nil {
					return
				}
				// Four columns at once: the columns a, 2a, a/3, −a, the
				// multipliers x, x/7, −x, 3x.
				var cols [4][]float64
				xs := [4]float64{x, x / 7, -x, 3 * x}
				for c, f := range []float64{1, 2, 1.0 / 3, -1} {
					cols[c] = guarded()
					for i := range cols[c] {
						cols[c][i] = a[i] * f
					}
				}
				h, l = guarded(), guarded()
				copy(h, rh)
				copy(l, rl)
				kern.ddAxpyNeg4(&cols, &xs, h, l)
				for i := 0; i < k; i++ {
					want := bf(rh[i])
					want.Add(want, bf(rl[i]))
					bound := math.Abs(rh[i])
					for c := range cols {
						want.Sub(want, bf(cols[c][i]).Mul(bf(cols[c][i]), bf(xs[c])))
						bound += math.Abs(cols[c][i] * xs[c])
					}
					got := bf(h[i])
					got.Add(got, bf(l[i]))
					d, _ := got.Sub(got, want).Float64()
					require.LessOrEqual(t, math.Abs(d), 32*u2*bound, "axpy4 %d", i)
				}
				hl := kern.ddDot4(&cols, rh, rl)
				for c := range cols {
					want := bf(0)
					tol := 0.0
					for i := 0; i < k; i++ {
						r := bf(rh[i])
						r.Add(r, bf(rl[i]))
						want.Add(want, r.Mul(r, bf(cols[c][i])))
						tol += 8 * float64(k) * u2 * math.Abs(cols[c][i]*rh[i])
					}
					got := bf(hl[c][0])
					got.Add(got, bf(hl[c][1]))
					d, _ := got.Sub(got, want).Float64()
					require.LessOrEqual(t, math.Abs(d), tol, "dot4 column %d", c)
				}
			})
		}
	}
}

// TestOnSharesPanic: a panic on one share's goroutine reaches the caller
// (where the engine's protect reports device.InfoInternal) after every
// share has finished, instead of aborting the process.
func TestOnSharesPanic(t *testing.T) {
	done := make([]bool, 3)
	require.PanicsWithValue(t, "share 1", func() {
		onShares(3, func(i int) {
			done[i] = true
			if i == 1 {
				panic("share 1")
			}
		})
	})
	require.Equal(t, []bool{true, true, true}, done)
	j := &device.Job{}
	protect(j, func() { onShares(2, func(int) { panic("x") }) })
	require.Equal(t, device.InfoInternal, j.Info)
}
