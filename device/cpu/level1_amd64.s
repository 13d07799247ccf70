//go:build !purego

#include "textflag.h"

// func dotAVX2(x, y []float64) float64
//
// Σ x[i]·y[i] over len(x) elements (len(y) ≥ len(x), checked by the
// caller): four 4-wide FMA chains, then a 4-wide and a scalar tail.
TEXT ·dotAVX2(SB), NOSPLIT, $0-56
	MOVQ x_base+0(FP), SI
	MOVQ x_len+8(FP), CX
	MOVQ y_base+24(FP), DI
	VXORPD Y0, Y0, Y0
	VXORPD Y1, Y1, Y1
	VXORPD Y2, Y2, Y2
	VXORPD Y3, Y3, Y3
	XORQ AX, AX
	MOVQ CX, DX
	ANDQ $-16, DX

dot_loop16:
	CMPQ AX, DX
	JGE  dot_loop4_start
	VMOVUPD     (SI)(AX*8), Y4
	VMOVUPD     32(SI)(AX*8), Y5
	VMOVUPD     64(SI)(AX*8), Y6
	VMOVUPD     96(SI)(AX*8), Y7
	VFMADD231PD (DI)(AX*8), Y4, Y0
	VFMADD231PD 32(DI)(AX*8), Y5, Y1
	VFMADD231PD 64(DI)(AX*8), Y6, Y2
	VFMADD231PD 96(DI)(AX*8), Y7, Y3
	ADDQ $16, AX
	JMP  dot_loop16

dot_loop4_start:
	MOVQ CX, DX
	ANDQ $-4, DX

dot_loop4:
	CMPQ AX, DX
	JGE  dot_fold
	VMOVUPD     (SI)(AX*8), Y4
	VFMADD231PD (DI)(AX*8), Y4, Y0
	ADDQ $4, AX
	JMP  dot_loop4

dot_fold:
	VADDPD       Y1, Y0, Y0
	VADDPD       Y3, Y2, Y2
	VADDPD       Y2, Y0, Y0
	VEXTRACTF128 $1, Y0, X1
	VADDPD       X1, X0, X0
	VHADDPD      X0, X0, X0

dot_tail1:
	CMPQ AX, CX
	JGE  dot_done
	VMOVSD      (SI)(AX*8), X4
	VFMADD231SD (DI)(AX*8), X4, X0
	INCQ AX
	JMP  dot_tail1

dot_done:
	VMOVSD X0, ret+48(FP)
	VZEROUPPER
	RET

// func axpyAVX2(alpha float64, x, y []float64)
//
// y[i] += alpha·x[i] over len(x) elements (len(y) ≥ len(x), checked by the
// caller).
TEXT ·axpyAVX2(SB), NOSPLIT, $0-56
	VBROADCASTSD alpha+0(FP), Y0
	MOVQ x_base+8(FP), SI
	MOVQ x_len+16(FP), CX
	MOVQ y_base+32(FP), DI
	XORQ AX, AX
	MOVQ CX, DX
	ANDQ $-8, DX

axpy_loop8:
	CMPQ AX, DX
	JGE  axpy_loop4_start
	VMOVUPD     (DI)(AX*8), Y1
	VMOVUPD     32(DI)(AX*8), Y2
	VFMADD231PD (SI)(AX*8), Y0, Y1
	VFMADD231PD 32(SI)(AX*8), Y0, Y2
	VMOVUPD     Y1, (DI)(AX*8)
	VMOVUPD     Y2, 32(DI)(AX*8)
	ADDQ $8, AX
	JMP  axpy_loop8

axpy_loop4_start:
	MOVQ CX, DX
	ANDQ $-4, DX

axpy_loop4:
	CMPQ AX, DX
	JGE  axpy_tail1
	VMOVUPD     (DI)(AX*8), Y1
	VFMADD231PD (SI)(AX*8), Y0, Y1
	VMOVUPD     Y1, (DI)(AX*8)
	ADDQ $4, AX
	JMP  axpy_loop4

axpy_tail1:
	CMPQ AX, CX
	JGE  axpy_done
	VMOVSD      (DI)(AX*8), X1
	VFMADD231SD (SI)(AX*8), X0, X1
	VMOVSD      X1, (DI)(AX*8)
	INCQ AX
	JMP  axpy_tail1

axpy_done:
	VZEROUPPER
	RET

// func maxAbsAVX2(x []float64) float64
//
// max |x[i]|, or NaN when some x[i] is NaN (±Inf gives +Inf). Two 4-wide
// max chains; NaN lanes are collected separately with an unordered compare,
// because VMAXPD would drop them.
TEXT ·maxAbsAVX2(SB), NOSPLIT, $0-32
	MOVQ x_base+0(FP), SI
	MOVQ x_len+8(FP), CX
	MOVQ $0x7fffffffffffffff, AX
	MOVQ AX, X15
	VPBROADCASTQ X15, Y15
	VXORPD Y0, Y0, Y0
	VXORPD Y1, Y1, Y1
	VXORPD Y2, Y2, Y2
	VXORPD Y3, Y3, Y3
	XORQ AX, AX
	MOVQ CX, DX
	ANDQ $-8, DX

max_loop8:
	CMPQ AX, DX
	JGE  max_loop4_start
	VANDPD  (SI)(AX*8), Y15, Y4
	VANDPD  32(SI)(AX*8), Y15, Y5
	VCMPPD  $3, Y4, Y4, Y6
	VCMPPD  $3, Y5, Y5, Y7
	VORPD   Y6, Y2, Y2
	VORPD   Y7, Y3, Y3
	VMAXPD  Y4, Y0, Y0
	VMAXPD  Y5, Y1, Y1
	ADDQ $8, AX
	JMP  max_loop8

max_loop4_start:
	MOVQ CX, DX
	ANDQ $-4, DX

max_loop4:
	CMPQ AX, DX
	JGE  max_fold
	VANDPD  (SI)(AX*8), Y15, Y4
	VCMPPD  $3, Y4, Y4, Y6
	VORPD   Y6, Y2, Y2
	VMAXPD  Y4, Y0, Y0
	ADDQ $4, AX
	JMP  max_loop4

max_fold:
	// Fold to 128 bits first: the scalar tail's VEX ops on X0/X2 clear
	// the upper lanes.
	VMAXPD       Y1, Y0, Y0
	VORPD        Y3, Y2, Y2
	VEXTRACTF128 $1, Y2, X3
	VORPD        X3, X2, X2
	VEXTRACTF128 $1, Y0, X1
	VMAXPD       X1, X0, X0
	VUNPCKHPD    X0, X0, X1
	VMAXSD       X1, X0, X0

max_tail1:
	CMPQ AX, CX
	JGE  max_done
	VMOVSD  (SI)(AX*8), X4
	VANDPD  X15, X4, X4
	VCMPSD  $3, X4, X4, X6
	VORPD   X6, X2, X2
	VMAXSD  X4, X0, X0
	INCQ AX
	JMP  max_tail1

max_done:
	VPTEST X2, X2
	JZ     max_ret
	MOVQ   $0x7ff8000000000001, AX
	MOVQ   AX, X0

max_ret:
	VMOVSD X0, ret+24(FP)
	VZEROUPPER
	RET

// func scalAVX2(alpha float64, x []float64)
//
// x[i] *= alpha over len(x) elements.
TEXT ·scalAVX2(SB), NOSPLIT, $0-32
	VBROADCASTSD alpha+0(FP), Y0
	MOVQ x_base+8(FP), SI
	MOVQ x_len+16(FP), CX
	XORQ AX, AX
	MOVQ CX, DX
	ANDQ $-8, DX

scal_loop8:
	CMPQ AX, DX
	JGE  scal_loop4_start
	VMULPD  (SI)(AX*8), Y0, Y1
	VMULPD  32(SI)(AX*8), Y0, Y2
	VMOVUPD Y1, (SI)(AX*8)
	VMOVUPD Y2, 32(SI)(AX*8)
	ADDQ $8, AX
	JMP  scal_loop8

scal_loop4_start:
	MOVQ CX, DX
	ANDQ $-4, DX

scal_loop4:
	CMPQ AX, DX
	JGE  scal_tail1
	VMULPD  (SI)(AX*8), Y0, Y1
	VMOVUPD Y1, (SI)(AX*8)
	ADDQ $4, AX
	JMP  scal_loop4

scal_tail1:
	CMPQ AX, CX
	JGE  scal_done
	VMULSD (SI)(AX*8), X0, X1
	VMOVSD X1, (SI)(AX*8)
	INCQ AX
	JMP  scal_tail1

scal_done:
	VZEROUPPER
	RET

// func dotMaxAVX2(x, y []float64) (d, m float64)
//
// dotAVX2 (the same four accumulators, so the same sum) that also returns
// max |x[i]|, from the registers the dot product loads: a column-major
// Aᵀb's scan of A at no reading of its own. NaN is not tracked (VMAXPD may
// drop it): the caller detects NaN and ±Inf in x from the non-finite d.
TEXT ·dotMaxAVX2(SB), NOSPLIT, $0-64
	// The |x| mask first: MOVQ to X15 is a legacy-SSE instruction, slow
	// once an upper YMM half is in use.
	MOVQ $0x7fffffffffffffff, AX
	MOVQ AX, X15
	VPBROADCASTQ X15, Y15
	MOVQ x_base+0(FP), SI
	MOVQ x_len+8(FP), CX
	MOVQ y_base+24(FP), DI
	VXORPD Y0, Y0, Y0
	VXORPD Y1, Y1, Y1
	VXORPD Y2, Y2, Y2
	VXORPD Y3, Y3, Y3
	VXORPD Y8, Y8, Y8
	VXORPD Y9, Y9, Y9
	VXORPD Y10, Y10, Y10
	VXORPD Y11, Y11, Y11
	XORQ AX, AX
	MOVQ CX, DX
	ANDQ $-16, DX

dm_loop16:
	CMPQ AX, DX
	JGE  dm_loop4_start
	VMOVUPD     (SI)(AX*8), Y4
	VMOVUPD     32(SI)(AX*8), Y5
	VMOVUPD     64(SI)(AX*8), Y6
	VMOVUPD     96(SI)(AX*8), Y7
	VFMADD231PD (DI)(AX*8), Y4, Y0
	VFMADD231PD 32(DI)(AX*8), Y5, Y1
	VFMADD231PD 64(DI)(AX*8), Y6, Y2
	VFMADD231PD 96(DI)(AX*8), Y7, Y3
	VANDPD      Y4, Y15, Y4
	VANDPD      Y5, Y15, Y5
	VANDPD      Y6, Y15, Y6
	VANDPD      Y7, Y15, Y7
	VMAXPD      Y4, Y8, Y8
	VMAXPD      Y5, Y9, Y9
	VMAXPD      Y6, Y10, Y10
	VMAXPD      Y7, Y11, Y11
	ADDQ $16, AX
	JMP  dm_loop16

dm_loop4_start:
	MOVQ CX, DX
	ANDQ $-4, DX

dm_loop4:
	CMPQ AX, DX
	JGE  dm_fold
	VMOVUPD     (SI)(AX*8), Y4
	VFMADD231PD (DI)(AX*8), Y4, Y0
	VANDPD      Y4, Y15, Y4
	VMAXPD      Y4, Y8, Y8
	ADDQ $4, AX
	JMP  dm_loop4

dm_fold:
	VADDPD       Y1, Y0, Y0
	VADDPD       Y3, Y2, Y2
	VADDPD       Y2, Y0, Y0
	VEXTRACTF128 $1, Y0, X1
	VADDPD       X1, X0, X0
	VHADDPD      X0, X0, X0
	VMAXPD       Y9, Y8, Y8
	VMAXPD       Y11, Y10, Y10
	VMAXPD       Y10, Y8, Y8
	VEXTRACTF128 $1, Y8, X9
	VMAXPD       X9, X8, X8
	VUNPCKHPD    X8, X8, X9
	VMAXSD       X9, X8, X8

dm_tail1:
	CMPQ AX, CX
	JGE  dm_done
	VMOVSD      (SI)(AX*8), X4
	VFMADD231SD (DI)(AX*8), X4, X0
	VANDPD      X4, X15, X4
	VMAXSD      X4, X8, X8
	INCQ AX
	JMP  dm_tail1

dm_done:
	VMOVSD X0, d+48(FP)
	VMOVSD X8, m+56(FP)
	VZEROUPPER
	RET
