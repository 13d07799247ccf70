package cpu

import (
	"fmt"
	"math"
	"math/rand/v2"
	"testing"

	"github.com/stretchr/testify/require"
)

// TestKernelsAgree checks every kernel's dot4 and axpy4 against a plain
// loop for every length from 0 to 70 (all vector-tail combinations) and at
// unaligned offsets.
func TestKernelsAgree(t *testing.T) {
	rnd := rand.New(rand.NewPCG(5, 5))
	for _, kern := range kernels {
		for k := 0; k <= 70; k++ {
			for off := 0; off < 2; off++ {
				t.Run(fmt.Sprintf("%s/k=%d/off=%d", kern.name, k, off), func(t *testing.T) {
					v := make([]float64, k+off)
					w := make([]float64, 4*(k+1)+off+1)
					for i := range v {
						v[i] = rnd.NormFloat64()
					}
					for i := range w {
						w[i] = rnd.NormFloat64()
					}
					v = v[off:]
					col := func(c int) []float64 { return w[off+c*(k+1) : off+c*(k+1)+k] }
					var want [4]float64
					for c := range 4 {
						for i := range v {
							want[c] += v[i] * col(c)[i]
						}
					}
					if k == 0 {
						// Zero-length columns: pass valid pointers anyway.
						var got [4]float64
						kern.dot4(v, &w[0], &w[0], &w[0], &w[0], &got)
						require.Equal(t, [4]float64{}, got)
						return
					}
					var got [4]float64
					kern.dot4(v, &col(0)[0], &col(1)[0], &col(2)[0], &col(3)[0], &got)
					for c := range 4 {
						require.InDelta(t, want[c], got[c], 1e-12*float64(k+1))
					}
					before := append([]float64(nil), w...)
					alpha := [4]float64{0.5, -2, 3, 0.25}
					kern.axpy4(v, &col(0)[0], &col(1)[0], &col(2)[0], &col(3)[0], &alpha)
					for c := range 4 {
						base := off + c*(k+1)
						for i := range k {
							require.InDelta(t, before[base+i]+alpha[c]*v[i], w[base+i], 1e-13)
						}
						// The element after each column is untouched.
						require.Equal(t, before[base+k], w[base+k])
					}
				})
			}
		}
	}
}

// TestBlockKernelsAgree checks every kernel's dot4x2, dot4x3, upd4x1,
// upd4x1Max, upd4x2 and upd4x3 against plain loops for lengths 1 to 40: the dot
// products out[cols·i+c] = v_i·w_c, and the updates w_c −= Σ_i s[cols·i+c]·v_i
// with every other element of the buffer (v, other columns, the padding row
// past each column) left as it was; upd4x1Max's lanes also fold in max |v_i|.
func TestBlockKernelsAgree(t *testing.T) {
	rnd := rand.New(rand.NewPCG(6, 6))
	for _, kern := range kernels {
		for k := 1; k <= 40; k++ {
			buf := make([]float64, 7*(k+1))
			for i := range buf {
				buf[i] = rnd.NormFloat64()
			}
			col := func(c int) []float64 { return buf[c*(k+1) : c*(k+1)+k] }
			v := [4]*float64{&col(0)[0], &col(1)[0], &col(2)[0], &col(3)[0]}
			w3 := [3]*float64{&col(4)[0], &col(5)[0], &col(6)[0]}
			// dots checks out against v_i·w_c for the cols columns from column 4.
			dots := func(name string, cols int, out []float64) {
				for i := range 4 {
					for c := range cols {
						require.InDelta(t, dot(col(i), col(4+c)), out[cols*i+c], 1e-12*float64(k), "%s k=%d %s", kern.name, k, name)
					}
				}
			}
			var got2 [8]float64
			kern.dot4x2(k, &v, w3[0], w3[1], &got2)
			dots("dot4x2", 2, got2[:])
			var got3 [12]float64
			kern.dot4x3(k, &v, &w3, &got3)
			dots("dot4x3", 3, got3[:])
			s := []float64{0.5, -1, 2, 0.25, -3, 1.5, 0.75, -0.5, 1.25, -2, 0.125, 3}
			for _, u := range []struct {
				name        string
				first, cols int
				run         func()
			}{
				{"upd4x1", 5, 1, func() { kern.upd4x1(k, &v, w3[1], (*[4]float64)(s)) }},
				{"upd4x1Max", 5, 1, func() {
					var mx, zero [4]float64
					kern.upd4x1Max(k, &v, w3[1], (*[4]float64)(s), &mx)
					want := 0.0
					for i := range 4 {
						want = max(want, maxAbsGo(col(i)))
					}
					require.Equal(t, want, max(mx[0], mx[1], mx[2], mx[3]), "%s k=%d upd4x1Max max", kern.name, k)
					// A lane above every |v| keeps its value (s = 0 leaves
					// w as it is).
					for j := range 4 {
						var l [4]float64
						l[j] = 99
						kern.upd4x1Max(k, &v, w3[1], &zero, &l)
						require.Equal(t, 99.0, max(l[0], l[1], l[2], l[3]), "%s k=%d upd4x1Max lane %d", kern.name, k, j)
					}
				}},
				{"upd4x2", 4, 2, func() { kern.upd4x2(k, &v, w3[0], w3[1], (*[8]float64)(s)) }},
				{"upd4x3", 4, 3, func() { kern.upd4x3(k, &v, &w3, (*[12]float64)(s)) }},
			} {
				before := append([]float64(nil), buf...)
				u.run()
				want := append([]float64(nil), before...)
				for c := range u.cols {
					for r := range k {
						x := before[(u.first+c)*(k+1)+r]
						for i := range 4 {
							x -= s[u.cols*i+c] * before[i*(k+1)+r]
						}
						want[(u.first+c)*(k+1)+r] = x
					}
				}
				require.InDeltaSlice(t, want, buf, 1e-12, "%s k=%d %s", kern.name, k, u.name)
				for i := range buf { // outside the updated columns: exactly as before
					if c, r := i/(k+1), i%(k+1); c < u.first || c >= u.first+u.cols || r == k {
						require.Equal(t, before[i], buf[i], "%s k=%d %s wrote element %d", kern.name, k, u.name, i)
					}
				}
			}
		}
	}
}

// TestTransposeRowsEveryKernel checks the row-major gather's transpose on
// every kernel against a plain loop, for row and column counts around
// multiples of four, padded leading dimensions on both sides, and with the
// entries of w outside the block left untouched.
func TestTransposeRowsEveryKernel(t *testing.T) {
	rnd := rand.New(rand.NewPCG(6, 6))
	prev := active
	defer func() { active = prev }()
	for i := range kernels {
		active = &kernels[i]
		for _, k := range []int{1, 3, 4, 5, 8, 13, 64} {
			for _, c := range []int{1, 2, 4, 7, 8, 17, 33} {
				t.Run(fmt.Sprintf("%s/k=%d/c=%d", kernels[i].name, k, c), func(t *testing.T) {
					lda, ldw := c+3, k+5
					a := make([]float64, (k-1)*lda+c)
					for i := range a {
						a[i] = rnd.NormFloat64()
					}
					w := make([]float64, (c-1)*ldw+k+2)
					for i := range w {
						w[i] = -7
					}
					transposeRows(a, lda, k, c, w, ldw)
					for j := 0; j < c; j++ {
						for r := 0; r < ldw && j*ldw+r < len(w); r++ {
							if r < k {
								require.Equal(t, a[r*lda+j], w[j*ldw+r], "w(%d,%d)", r, j)
							} else {
								require.Equal(t, -7.0, w[j*ldw+r], "padding (%d,%d) written", r, j)
							}
						}
					}
				})
			}
		}
	}
}

// TestLevel1EveryKernel checks every kernel's one-vector dot and axpy
// against plain loops for every length from 0 to 70 (all vector-tail
// combinations of the 16-, 8- and 4-wide loops) at unaligned offsets, and
// that axpy writes nothing past len(x); dotMax1, where a kernel has it,
// returns dot1's sum bit for bit and max |x|.
func TestLevel1EveryKernel(t *testing.T) {
	rnd := rand.New(rand.NewPCG(7, 7))
	for _, kern := range kernels {
		for k := 0; k <= 70; k++ {
			for off := 0; off < 2; off++ {
				x := make([]float64, k+off)
				y := make([]float64, k+off+3)
				for i := range x {
					x[i] = rnd.NormFloat64()
				}
				for i := range y {
					y[i] = rnd.NormFloat64()
				}
				x, y = x[off:], y[off:]
				var want float64
				for i := range x {
					want += x[i] * y[i]
				}
				got := kern.dot1(x, y[:k])
				require.InDelta(t, want, got, 1e-12*(1+float64(k)), "%s dot k=%d off=%d", kern.name, k, off)
				if kern.dotMax1 != nil {
					// The same sum as dot1, bit for bit, and max |x|.
					d, m := kern.dotMax1(x, y[:k])
					require.Equal(t, got, d, "%s dotMax k=%d off=%d", kern.name, k, off)
					require.Equal(t, maxAbsGo(x), m, "%s dotMax max k=%d off=%d", kern.name, k, off)
				}
				wantY := append([]float64(nil), y...)
				for i := range x {
					wantY[i] += 0.75 * x[i]
				}
				kern.axpy1(0.75, x, y[:k])
				for i := range y {
					require.InDelta(t, wantY[i], y[i], 1e-14, "%s axpy k=%d off=%d i=%d", kern.name, k, off, i)
				}
			}
		}
	}
}

// TestMaxAbsEveryKernel checks MaxAbs on every kernel against a plain loop
// for lengths 0..70, with a NaN, a ±Inf, a denormal or the maximum placed in
// every vector lane and tail position.
func TestMaxAbsEveryKernel(t *testing.T) {
	rnd := rand.New(rand.NewPCG(8, 8))
	for _, kern := range kernels {
		for k := 1; k <= 70; k++ {
			for _, special := range []float64{0, math.NaN(), math.Inf(1), math.Inf(-1), -1e300, 5e-324} {
				for pos := 0; pos < k; pos += max(1, k/9) {
					x := make([]float64, k)
					for i := range x {
						x[i] = rnd.NormFloat64() * 1e-3
					}
					if special != 0 {
						x[pos] = special
					}
					want := 0.0
					for _, v := range x {
						if math.IsNaN(v) {
							want = v
							break
						}
						want = math.Max(want, math.Abs(v))
					}
					got := kern.maxAbs(x)
					if math.IsNaN(want) {
						require.True(t, math.IsNaN(got), "%s k=%d pos=%d: want NaN, got %g", kern.name, k, pos, got)
						continue
					}
					require.Equal(t, want, got, "%s k=%d pos=%d special=%g", kern.name, k, pos, special)
				}
			}
		}
	}
}

// TestLdFor: every block height's leading dimension keeps its stride away
// from a multiple of 4 KiB, pads by at least a cache line and by at most
// 64 + ldPad rows (the engine allocates that much).
func TestLdFor(t *testing.T) {
	for kc := 1; kc <= 4096; kc++ {
		ld := ldFor(kc)
		r := ld * 8 % 4096
		require.True(t, r >= 64 && r <= 4096-256, "kc=%d ld=%d", kc, ld)
		require.GreaterOrEqual(t, ld, kc+ldPad)
		require.LessOrEqual(t, ld, kc+ldPad+64, "kc=%d", kc)
	}
	require.Equal(t, 524, ldFor(500)) // two blocks of 500 rows (k = 1 000)
}
