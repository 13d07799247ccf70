//go:build !purego

#include "textflag.h"

// func dot4AVX2(v []float64, w0, w1, w2, w3 *float64, out *[4]float64)
//
// out[c] = Σ_i v[i]·w_c[i] for the four columns w0..w3 (len(v) elements
// each). Eight independent FMA chains (two vectors × four columns).
TEXT ·dot4AVX2(SB), NOSPLIT, $0-64
	MOVQ v_base+0(FP), SI
	MOVQ v_len+8(FP), CX
	MOVQ w0+24(FP), R8
	MOVQ w1+32(FP), R9
	MOVQ w2+40(FP), R10
	MOVQ w3+48(FP), R11
	MOVQ out+56(FP), DI
	VXORPD Y0, Y0, Y0
	VXORPD Y1, Y1, Y1
	VXORPD Y2, Y2, Y2
	VXORPD Y3, Y3, Y3
	VXORPD Y5, Y5, Y5
	VXORPD Y6, Y6, Y6
	VXORPD Y7, Y7, Y7
	VXORPD Y8, Y8, Y8
	XORQ AX, AX
	MOVQ CX, DX
	ANDQ $-8, DX

dot_loop8:
	CMPQ AX, DX
	JGE  dot_tail4
	VMOVUPD     (SI)(AX*8), Y4
	VMOVUPD     32(SI)(AX*8), Y9
	VFMADD231PD (R8)(AX*8), Y4, Y0
	VFMADD231PD 32(R8)(AX*8), Y9, Y5
	VFMADD231PD (R9)(AX*8), Y4, Y1
	VFMADD231PD 32(R9)(AX*8), Y9, Y6
	VFMADD231PD (R10)(AX*8), Y4, Y2
	VFMADD231PD 32(R10)(AX*8), Y9, Y7
	VFMADD231PD (R11)(AX*8), Y4, Y3
	VFMADD231PD 32(R11)(AX*8), Y9, Y8
	ADDQ $8, AX
	JMP  dot_loop8

dot_tail4:
	MOVQ CX, DX
	SUBQ AX, DX
	CMPQ DX, $4
	JLT  dot_reduce
	VMOVUPD     (SI)(AX*8), Y4
	VFMADD231PD (R8)(AX*8), Y4, Y0
	VFMADD231PD (R9)(AX*8), Y4, Y1
	VFMADD231PD (R10)(AX*8), Y4, Y2
	VFMADD231PD (R11)(AX*8), Y4, Y3
	ADDQ $4, AX

dot_reduce:
	VADDPD     Y5, Y0, Y0
	VADDPD     Y6, Y1, Y1
	VADDPD     Y7, Y2, Y2
	VADDPD     Y8, Y3, Y3
	VHADDPD    Y1, Y0, Y0       // [a0+a1, b0+b1, a2+a3, b2+b3]
	VHADDPD    Y3, Y2, Y2       // [c0+c1, d0+d1, c2+c3, d2+d3]
	VPERM2F128 $0x21, Y2, Y0, Y1 // [a2+a3, b2+b3, c0+c1, d0+d1]
	VBLENDPD   $0x0C, Y2, Y0, Y0 // [a0+a1, b0+b1, c2+c3, d2+d3]
	VADDPD     Y1, Y0, Y0       // [a, b, c, d]
	VMOVUPD    Y0, (DI)

dot_tail1:
	CMPQ AX, CX
	JGE  dot_done
	VMOVSD      (SI)(AX*8), X4
	VMOVSD      (DI), X0
	VFMADD231SD (R8)(AX*8), X4, X0
	VMOVSD      X0, (DI)
	VMOVSD      8(DI), X1
	VFMADD231SD (R9)(AX*8), X4, X1
	VMOVSD      X1, 8(DI)
	VMOVSD      16(DI), X2
	VFMADD231SD (R10)(AX*8), X4, X2
	VMOVSD      X2, 16(DI)
	VMOVSD      24(DI), X3
	VFMADD231SD (R11)(AX*8), X4, X3
	VMOVSD      X3, 24(DI)
	INCQ AX
	JMP  dot_tail1

dot_done:
	VZEROUPPER
	RET

// func axpy4AVX2(v []float64, w0, w1, w2, w3 *float64, alpha *[4]float64)
//
// w_c[i] += alpha[c]·v[i] for the four columns w0..w3.
TEXT ·axpy4AVX2(SB), NOSPLIT, $0-64
	MOVQ v_base+0(FP), SI
	MOVQ v_len+8(FP), CX
	MOVQ w0+24(FP), R8
	MOVQ w1+32(FP), R9
	MOVQ w2+40(FP), R10
	MOVQ w3+48(FP), R11
	MOVQ alpha+56(FP), DI
	VBROADCASTSD (DI), Y0
	VBROADCASTSD 8(DI), Y1
	VBROADCASTSD 16(DI), Y2
	VBROADCASTSD 24(DI), Y3
	XORQ AX, AX
	MOVQ CX, DX
	ANDQ $-4, DX

axpy_loop4:
	CMPQ AX, DX
	JGE  axpy_tail1
	VMOVUPD     (SI)(AX*8), Y4
	VMOVUPD     (R8)(AX*8), Y5
	VFMADD231PD Y4, Y0, Y5
	VMOVUPD     Y5, (R8)(AX*8)
	VMOVUPD     (R9)(AX*8), Y6
	VFMADD231PD Y4, Y1, Y6
	VMOVUPD     Y6, (R9)(AX*8)
	VMOVUPD     (R10)(AX*8), Y7
	VFMADD231PD Y4, Y2, Y7
	VMOVUPD     Y7, (R10)(AX*8)
	VMOVUPD     (R11)(AX*8), Y8
	VFMADD231PD Y4, Y3, Y8
	VMOVUPD     Y8, (R11)(AX*8)
	ADDQ $4, AX
	JMP  axpy_loop4

axpy_tail1:
	CMPQ AX, CX
	JGE  axpy_done
	VMOVSD      (SI)(AX*8), X4
	VMOVSD      (R8)(AX*8), X5
	VFMADD231SD X4, X0, X5
	VMOVSD      X5, (R8)(AX*8)
	VMOVSD      (R9)(AX*8), X6
	VFMADD231SD X4, X1, X6
	VMOVSD      X6, (R9)(AX*8)
	VMOVSD      (R10)(AX*8), X7
	VFMADD231SD X4, X2, X7
	VMOVSD      X7, (R10)(AX*8)
	VMOVSD      (R11)(AX*8), X8
	VFMADD231SD X4, X3, X8
	VMOVSD      X8, (R11)(AX*8)
	INCQ AX
	JMP  axpy_tail1

axpy_done:
	VZEROUPPER
	RET

// func dot4AVX512(v []float64, w0, w1, w2, w3 *float64, out *[4]float64)
//
// dot4AVX2 with a 16-element AVX-512 main loop: eight ZMM chains, folded
// into the YMM accumulators for the AVX2 tail.
TEXT ·dot4AVX512(SB), NOSPLIT, $0-64
	MOVQ v_base+0(FP), SI
	MOVQ v_len+8(FP), CX
	MOVQ w0+24(FP), R8
	MOVQ w1+32(FP), R9
	MOVQ w2+40(FP), R10
	MOVQ w3+48(FP), R11
	MOVQ out+56(FP), DI
	VPXORQ Z0, Z0, Z0
	VPXORQ Z1, Z1, Z1
	VPXORQ Z2, Z2, Z2
	VPXORQ Z3, Z3, Z3
	VPXORQ Z5, Z5, Z5
	VPXORQ Z6, Z6, Z6
	VPXORQ Z7, Z7, Z7
	VPXORQ Z8, Z8, Z8
	XORQ AX, AX
	MOVQ CX, DX
	ANDQ $-16, DX

z_loop16:
	CMPQ AX, DX
	JGE  z_fold
	VMOVUPD     (SI)(AX*8), Z4
	VMOVUPD     64(SI)(AX*8), Z9
	VFMADD231PD (R8)(AX*8), Z4, Z0
	VFMADD231PD 64(R8)(AX*8), Z9, Z5
	VFMADD231PD (R9)(AX*8), Z4, Z1
	VFMADD231PD 64(R9)(AX*8), Z9, Z6
	VFMADD231PD (R10)(AX*8), Z4, Z2
	VFMADD231PD 64(R10)(AX*8), Z9, Z7
	VFMADD231PD (R11)(AX*8), Z4, Z3
	VFMADD231PD 64(R11)(AX*8), Z9, Z8
	ADDQ $16, AX
	JMP  z_loop16

z_fold:
	VADDPD        Z5, Z0, Z0
	VADDPD        Z6, Z1, Z1
	VADDPD        Z7, Z2, Z2
	VADDPD        Z8, Z3, Z3
	VEXTRACTF64X4 $1, Z0, Y5
	VEXTRACTF64X4 $1, Z1, Y6
	VEXTRACTF64X4 $1, Z2, Y7
	VEXTRACTF64X4 $1, Z3, Y8
	VADDPD        Y5, Y0, Y0
	VADDPD        Y6, Y1, Y1
	VADDPD        Y7, Y2, Y2
	VADDPD        Y8, Y3, Y3
	VXORPD        Y5, Y5, Y5
	VXORPD        Y6, Y6, Y6
	VXORPD        Y7, Y7, Y7
	VXORPD        Y8, Y8, Y8
	MOVQ CX, DX
	ANDQ $-8, DX

z_loop8:
	CMPQ AX, DX
	JGE  z_tail4
	VMOVUPD     (SI)(AX*8), Y4
	VMOVUPD     32(SI)(AX*8), Y9
	VFMADD231PD (R8)(AX*8), Y4, Y0
	VFMADD231PD 32(R8)(AX*8), Y9, Y5
	VFMADD231PD (R9)(AX*8), Y4, Y1
	VFMADD231PD 32(R9)(AX*8), Y9, Y6
	VFMADD231PD (R10)(AX*8), Y4, Y2
	VFMADD231PD 32(R10)(AX*8), Y9, Y7
	VFMADD231PD (R11)(AX*8), Y4, Y3
	VFMADD231PD 32(R11)(AX*8), Y9, Y8
	ADDQ $8, AX
	JMP  z_loop8

z_tail4:
	MOVQ CX, DX
	SUBQ AX, DX
	CMPQ DX, $4
	JLT  z_reduce
	VMOVUPD     (SI)(AX*8), Y4
	VFMADD231PD (R8)(AX*8), Y4, Y0
	VFMADD231PD (R9)(AX*8), Y4, Y1
	VFMADD231PD (R10)(AX*8), Y4, Y2
	VFMADD231PD (R11)(AX*8), Y4, Y3
	ADDQ $4, AX

z_reduce:
	VADDPD     Y5, Y0, Y0
	VADDPD     Y6, Y1, Y1
	VADDPD     Y7, Y2, Y2
	VADDPD     Y8, Y3, Y3
	VHADDPD    Y1, Y0, Y0
	VHADDPD    Y3, Y2, Y2
	VPERM2F128 $0x21, Y2, Y0, Y1
	VBLENDPD   $0x0C, Y2, Y0, Y0
	VADDPD     Y1, Y0, Y0
	VMOVUPD    Y0, (DI)

z_tail1:
	CMPQ AX, CX
	JGE  z_done
	VMOVSD      (SI)(AX*8), X4
	VMOVSD      (DI), X0
	VFMADD231SD (R8)(AX*8), X4, X0
	VMOVSD      X0, (DI)
	VMOVSD      8(DI), X1
	VFMADD231SD (R9)(AX*8), X4, X1
	VMOVSD      X1, 8(DI)
	VMOVSD      16(DI), X2
	VFMADD231SD (R10)(AX*8), X4, X2
	VMOVSD      X2, 16(DI)
	VMOVSD      24(DI), X3
	VFMADD231SD (R11)(AX*8), X4, X3
	VMOVSD      X3, 24(DI)
	INCQ AX
	JMP  z_tail1

z_done:
	VZEROUPPER
	RET

// func axpy4AVX512(v []float64, w0, w1, w2, w3 *float64, alpha *[4]float64)
//
// axpy4AVX2 with an 8-element AVX-512 main loop.
TEXT ·axpy4AVX512(SB), NOSPLIT, $0-64
	MOVQ v_base+0(FP), SI
	MOVQ v_len+8(FP), CX
	MOVQ w0+24(FP), R8
	MOVQ w1+32(FP), R9
	MOVQ w2+40(FP), R10
	MOVQ w3+48(FP), R11
	MOVQ alpha+56(FP), DI
	VBROADCASTSD (DI), Z0
	VBROADCASTSD 8(DI), Z1
	VBROADCASTSD 16(DI), Z2
	VBROADCASTSD 24(DI), Z3
	XORQ AX, AX
	MOVQ CX, DX
	ANDQ $-8, DX

za_loop8:
	CMPQ AX, DX
	JGE  za_tail4
	VMOVUPD     (SI)(AX*8), Z4
	VMOVUPD     (R8)(AX*8), Z5
	VFMADD231PD Z4, Z0, Z5
	VMOVUPD     Z5, (R8)(AX*8)
	VMOVUPD     (R9)(AX*8), Z6
	VFMADD231PD Z4, Z1, Z6
	VMOVUPD     Z6, (R9)(AX*8)
	VMOVUPD     (R10)(AX*8), Z7
	VFMADD231PD Z4, Z2, Z7
	VMOVUPD     Z7, (R10)(AX*8)
	VMOVUPD     (R11)(AX*8), Z8
	VFMADD231PD Z4, Z3, Z8
	VMOVUPD     Z8, (R11)(AX*8)
	ADDQ $8, AX
	JMP  za_loop8

za_tail4:
	MOVQ CX, DX
	SUBQ AX, DX
	CMPQ DX, $4
	JLT  za_tail1
	VMOVUPD     (SI)(AX*8), Y4
	VMOVUPD     (R8)(AX*8), Y5
	VFMADD231PD Y4, Y0, Y5
	VMOVUPD     Y5, (R8)(AX*8)
	VMOVUPD     (R9)(AX*8), Y6
	VFMADD231PD Y4, Y1, Y6
	VMOVUPD     Y6, (R9)(AX*8)
	VMOVUPD     (R10)(AX*8), Y7
	VFMADD231PD Y4, Y2, Y7
	VMOVUPD     Y7, (R10)(AX*8)
	VMOVUPD     (R11)(AX*8), Y8
	VFMADD231PD Y4, Y3, Y8
	VMOVUPD     Y8, (R11)(AX*8)
	ADDQ $4, AX

za_tail1:
	CMPQ AX, CX
	JGE  za_done
	VMOVSD      (SI)(AX*8), X4
	VMOVSD      (R8)(AX*8), X5
	VFMADD231SD X4, X0, X5
	VMOVSD      X5, (R8)(AX*8)
	VMOVSD      (R9)(AX*8), X6
	VFMADD231SD X4, X1, X6
	VMOVSD      X6, (R9)(AX*8)
	VMOVSD      (R10)(AX*8), X7
	VFMADD231SD X4, X2, X7
	VMOVSD      X7, (R10)(AX*8)
	VMOVSD      (R11)(AX*8), X8
	VFMADD231SD X4, X3, X8
	VMOVSD      X8, (R11)(AX*8)
	INCQ AX
	JMP  za_tail1

za_done:
	VZEROUPPER
	RET
