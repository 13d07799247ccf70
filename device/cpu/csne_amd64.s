//go:build !purego

#include "textflag.h"

// TWOSUM sets s = a + b and err = (a − (s − bb)) + (b − bb), bb = s − a
// (Knuth's TwoSum: a + b = s + err exactly); t is scratch.
#define TWOSUM(a, b, s, bb, t, err) \
	VADDPD b, a, s; \
	VSUBPD a, s, bb; \
	VSUBPD bb, s, t; \
	VSUBPD t, a, t; \
	VSUBPD bb, b, err; \
	VADDPD t, err, err

// RESDD_ARGS loads the resdd kernels' common arguments: rows left in CX, n
// in DX, the row pointer in SI, its stride in bytes in R11, the target
// pointer in DI, its stride in bytes in R12, x in R8, hi in R9, lo in R10.
#define RESDD_ARGS \
	MOVQ k+0(FP), CX; \
	MOVQ n+8(FP), DX; \
	MOVQ a+16(FP), SI; \
	MOVQ lda+24(FP), R11; \
	SHLQ $3, R11; \
	MOVQ b+32(FP), DI; \
	MOVQ ldb+40(FP), R12; \
	SHLQ $3, R12; \
	MOVQ x+48(FP), R8; \
	MOVQ hi+56(FP), R9; \
	MOVQ lo+64(FP), R10

// DDSUM4 sums the four double-double lanes (Y0 high, Y1 low) into the
// double-double scalar (X5, X1): lanes pairwise by TwoSum, twice. X2–X7
// are scratch.
#define DDSUM4 \
	VEXTRACTF128 $1, Y0, X2; \
	VEXTRACTF128 $1, Y1, X3; \
	VADDPD       X2, X0, X4; \
	VSUBPD       X0, X4, X5; \
	VSUBPD       X5, X4, X6; \
	VSUBPD       X6, X0, X6; \
	VSUBPD       X5, X2, X7; \
	VADDPD       X7, X6, X6; \
	VADDPD       X3, X1, X1; \
	VADDPD       X6, X1, X1; \
	VUNPCKHPD    X4, X4, X2; \
	VUNPCKHPD    X1, X1, X3; \
	VADDSD       X2, X4, X5; \
	VSUBSD       X4, X5, X6; \
	VSUBSD       X6, X5, X7; \
	VSUBSD       X7, X4, X7; \
	VSUBSD       X6, X2, X6; \
	VADDSD       X6, X7, X7; \
	VADDSD       X3, X1, X1; \
	VADDSD       X7, X1, X1

// DDRESID forms the residual r = b_i − (X5 + X1) of the row whose target
// is at (DI) in double-double, (X8, X9) = (rh, rl): TwoSum(b_i, −X5), then
// the low parts; and adds rh² to X14. X2–X9 are scratch.
#define DDRESID \
	VMOVSD       (DI), X2; \
	VSUBSD       X5, X2, X3; \
	VSUBSD       X2, X3, X4; \
	VSUBSD       X4, X3, X6; \
	VSUBSD       X6, X2, X6; \
	VXORPD       X7, X7, X7; \
	VSUBSD       X5, X7, X7; \
	VSUBSD       X4, X7, X7; \
	VADDSD       X7, X6, X6; \
	VSUBSD       X1, X6, X6; \
	VADDSD       X6, X3, X8; \
	VSUBSD       X3, X8, X9; \
	VSUBSD       X9, X6, X9; \
	VFMADD231SD  X8, X8, X14

// func resddAVX2(k, n int, a *float64, lda int, b *float64, ldb int, x, hi, lo *float64, mask *[4]int64) float64
//
// For the k row-major rows a (leading dimension lda, n columns) with
// targets b[i*ldb], the double-double residual r_i = b_i − a_i·x (FMA
// products, TwoSum sums) and the double-double update (hi, lo) += r_i·a_i
// (rh·a_i by FMA-exact products plus rl·a_i); returns Σ rh_i². The n mod 4
// tail columns go through VMASKMOVPD with mask (its first n mod 4 lanes
// set), which neither reads nor writes past the row.
TEXT ·resddAVX2(SB), NOSPLIT, $0-88
	RESDD_ARGS
	MOVQ mask+72(FP), AX
	VMOVUPD (AX), Y15
	MOVQ DX, R13
	ANDQ $-4, R13
	SHLQ $3, R13          // bytes in whole 4-column chunks
	MOVQ DX, BX
	ANDQ $3, BX           // tail columns
	VXORPD X14, X14, X14  // Σ rh²

row:
	TESTQ CX, CX
	JE    done

	// Phase 1: (Y0, Y1) = Σ a_ij·x_j in four double-double lanes.
	VXORPD Y0, Y0, Y0
	VXORPD Y1, Y1, Y1
	XORQ   AX, AX

p1:
	CMPQ        AX, R13
	JGE         p1tail
	VMOVUPD     (SI)(AX*1), Y2
	VMOVUPD     (R8)(AX*1), Y3
	VMULPD      Y3, Y2, Y4           // p = a·x
	VMOVAPD     Y4, Y5
	VFMSUB231PD Y3, Y2, Y5           // e = a·x − p, exactly
	TWOSUM(Y0, Y4, Y6, Y7, Y8, Y9)
	VADDPD      Y5, Y1, Y1
	VADDPD      Y9, Y1, Y1
	VMOVAPD     Y6, Y0
	ADDQ        $32, AX
	JMP         p1

p1tail:
	TESTQ       BX, BX
	JE          reduce
	VMASKMOVPD  (SI)(AX*1), Y15, Y2
	VMASKMOVPD  (R8)(AX*1), Y15, Y3
	VMULPD      Y3, Y2, Y4
	VMOVAPD     Y4, Y5
	VFMSUB231PD Y3, Y2, Y5
	TWOSUM(Y0, Y4, Y6, Y7, Y8, Y9)
	VADDPD      Y5, Y1, Y1
	VADDPD      Y9, Y1, Y1
	VMOVAPD     Y6, Y0

reduce:
	// a_i·x in double-double, then the residual.
	DDSUM4
	DDRESID
	VBROADCASTSD X8, Y10
	VBROADCASTSD X9, Y11

	// Phase 2: (hi, lo) += rh·a_i + rl·a_i.
	XORQ AX, AX

p2:
	CMPQ        AX, R13
	JGE         p2tail
	VMOVUPD     (SI)(AX*1), Y2
	VMULPD      Y10, Y2, Y4          // p = a·rh
	VMOVAPD     Y4, Y5
	VFMSUB231PD Y10, Y2, Y5          // e = a·rh − p, exactly
	VFMADD231PD Y11, Y2, Y5          // + a·rl
	VMOVUPD     (R9)(AX*1), Y6
	TWOSUM(Y6, Y4, Y8, Y9, Y12, Y13)
	VADDPD      (R10)(AX*1), Y5, Y5
	VADDPD      Y13, Y5, Y5
	VMOVUPD     Y8, (R9)(AX*1)
	VMOVUPD     Y5, (R10)(AX*1)
	ADDQ        $32, AX
	JMP         p2

p2tail:
	TESTQ       BX, BX
	JE          next
	VMASKMOVPD  (SI)(AX*1), Y15, Y2
	VMULPD      Y10, Y2, Y4
	VMOVAPD     Y4, Y5
	VFMSUB231PD Y10, Y2, Y5
	VFMADD231PD Y11, Y2, Y5
	VMASKMOVPD  (R9)(AX*1), Y15, Y6
	TWOSUM(Y6, Y4, Y8, Y9, Y12, Y13)
	VMASKMOVPD  (R10)(AX*1), Y15, Y7
	VADDPD      Y7, Y5, Y5
	VADDPD      Y13, Y5, Y5
	VMASKMOVPD  Y8, Y15, (R9)(AX*1)
	VMASKMOVPD  Y5, Y15, (R10)(AX*1)

next:
	ADDQ R11, SI
	ADDQ R12, DI
	DECQ CX
	JMP  row

done:
	VMOVSD     X14, ret+80(FP)
	VZEROUPPER
	RET

// TWOSUMZ is TWOSUM on 8-lane registers.
#define TWOSUMZ(a, b, s, bb, t, err) \
	VADDPD b, a, s; \
	VSUBPD a, s, bb; \
	VSUBPD bb, s, t; \
	VSUBPD t, a, t; \
	VSUBPD bb, b, err; \
	VADDPD t, err, err

// func resddAVX512(k, n int, a *float64, lda int, b *float64, ldb int, x, hi, lo *float64, tail int) float64
//
// resddAVX2 with eight columns per instruction; the n mod 8 tail columns
// go through zero-masked loads and masked stores under K1 = tail (its low
// n mod 8 bits set).
TEXT ·resddAVX512(SB), NOSPLIT, $0-88
	RESDD_ARGS
	MOVQ tail+72(FP), AX
	KMOVW AX, K1
	MOVQ DX, R13
	ANDQ $-8, R13
	SHLQ $3, R13          // bytes in whole 8-column chunks
	MOVQ DX, BX
	ANDQ $7, BX           // tail columns
	VXORPD X14, X14, X14  // Σ rh²

zrow:
	TESTQ CX, CX
	JE    zdone

	VPXORQ Z0, Z0, Z0
	VPXORQ Z1, Z1, Z1
	XORQ   AX, AX

zp1:
	CMPQ        AX, R13
	JGE         zp1tail
	VMOVUPD     (SI)(AX*1), Z2
	VMOVUPD     (R8)(AX*1), Z3
	VMULPD      Z3, Z2, Z4
	VMOVAPD     Z4, Z5
	VFMSUB231PD Z3, Z2, Z5
	TWOSUMZ(Z0, Z4, Z6, Z7, Z8, Z9)
	VADDPD      Z5, Z1, Z1
	VADDPD      Z9, Z1, Z1
	VMOVAPD     Z6, Z0
	ADDQ        $64, AX
	JMP         zp1

zp1tail:
	TESTQ       BX, BX
	JE          zreduce
	VMOVUPD.Z   (SI)(AX*1), K1, Z2
	VMOVUPD.Z   (R8)(AX*1), K1, Z3
	VMULPD      Z3, Z2, Z4
	VMOVAPD     Z4, Z5
	VFMSUB231PD Z3, Z2, Z5
	TWOSUMZ(Z0, Z4, Z6, Z7, Z8, Z9)
	VADDPD      Z5, Z1, Z1
	VADDPD      Z9, Z1, Z1
	VMOVAPD     Z6, Z0

zreduce:
	// Eight lanes to four in double-double, then as resddAVX2.
	VEXTRACTF64X4 $1, Z0, Y2
	VEXTRACTF64X4 $1, Z1, Y3
	TWOSUM(Y0, Y2, Y4, Y5, Y6, Y7)
	VADDPD        Y3, Y1, Y1
	VADDPD        Y7, Y1, Y1
	VMOVAPD       Y4, Y0
	DDSUM4
	DDRESID
	VBROADCASTSD  X8, Z10
	VBROADCASTSD  X9, Z11
	XORQ          AX, AX

zp2:
	CMPQ        AX, R13
	JGE         zp2tail
	VMOVUPD     (SI)(AX*1), Z2
	VMULPD      Z10, Z2, Z4
	VMOVAPD     Z4, Z5
	VFMSUB231PD Z10, Z2, Z5
	VFMADD231PD Z11, Z2, Z5
	VMOVUPD     (R9)(AX*1), Z6
	TWOSUMZ(Z6, Z4, Z8, Z9, Z12, Z13)
	VADDPD      (R10)(AX*1), Z5, Z5
	VADDPD      Z13, Z5, Z5
	VMOVUPD     Z8, (R9)(AX*1)
	VMOVUPD     Z5, (R10)(AX*1)
	ADDQ        $64, AX
	JMP         zp2

zp2tail:
	TESTQ       BX, BX
	JE          znext
	VMOVUPD.Z   (SI)(AX*1), K1, Z2
	VMULPD      Z10, Z2, Z4
	VMOVAPD     Z4, Z5
	VFMSUB231PD Z10, Z2, Z5
	VFMADD231PD Z11, Z2, Z5
	VMOVUPD.Z   (R9)(AX*1), K1, Z6
	TWOSUMZ(Z6, Z4, Z8, Z9, Z12, Z13)
	VMOVUPD.Z   (R10)(AX*1), K1, Z7
	VADDPD      Z7, Z5, Z5
	VADDPD      Z13, Z5, Z5
	VMOVUPD     Z8, K1, (R9)(AX*1)
	VMOVUPD     Z5, K1, (R10)(AX*1)

znext:
	ADDQ R11, SI
	ADDQ R12, DI
	DECQ CX
	JMP  zrow

zdone:
	VMOVSD     X14, ret+80(FP)
	VZEROUPPER
	RET

// func ddAxpyNegAVX2(k int, a *float64, x float64, rh, rl *float64)
//
// (rh, rl) −= a·x over k elements, k a multiple of 4, in double-double: the
// product split exactly by FMA (p + e = a·x), TwoSum for rh − p, the low
// parts into rl. The column-major correction pass's residual update.
TEXT ·ddAxpyNegAVX2(SB), NOSPLIT, $0-40
	MOVQ         k+0(FP), CX
	MOVQ         a+8(FP), SI
	VBROADCASTSD x+16(FP), Y15
	MOVQ         rh+24(FP), DI
	MOVQ         rl+32(FP), R8
	SHLQ         $3, CX
	XORQ         AX, AX

dax_loop:
	CMPQ        AX, CX
	JGE         dax_done
	VMOVUPD     (SI)(AX*1), Y0
	VMOVUPD     (DI)(AX*1), Y1
	VMULPD      Y15, Y0, Y3            // p
	VMOVAPD     Y3, Y4
	VFMSUB231PD Y15, Y0, Y4            // e = a·x − p
	VSUBPD      Y3, Y1, Y5             // s = rh − p
	VSUBPD      Y1, Y5, Y6             // bb = s − rh
	VSUBPD      Y6, Y5, Y7             // s − bb
	VSUBPD      Y7, Y1, Y7             // rh − (s − bb)
	VADDPD      Y6, Y3, Y8             // p + bb
	VSUBPD      Y8, Y7, Y7             // err = (rh − (s − bb)) − (p + bb)
	VSUBPD      Y4, Y7, Y7             // err − e
	VADDPD      (R8)(AX*1), Y7, Y7     // + rl
	VMOVUPD     Y5, (DI)(AX*1)
	VMOVUPD     Y7, (R8)(AX*1)
	ADDQ        $32, AX
	JMP         dax_loop

dax_done:
	VZEROUPPER
	RET

// func ddDotAVX2(k int, a, rh, rl *float64, out *[2]float64)
//
// out = Σ a·(rh + rl) over k elements (k a multiple of 4) in double-double:
// products split by FMA, four TwoSum lanes, then the lanes summed in
// double-double; out[0] + out[1] is the result. The column-major
// correction pass's Aᵀr.
TEXT ·ddDotAVX2(SB), NOSPLIT, $0-40
	MOVQ   k+0(FP), CX
	MOVQ   a+8(FP), SI
	MOVQ   rh+16(FP), DI
	MOVQ   rl+24(FP), R8
	SHLQ   $3, CX
	VXORPD Y0, Y0, Y0
	VXORPD Y1, Y1, Y1
	XORQ   AX, AX

ddd_loop:
	CMPQ        AX, CX
	JGE         ddd_reduce
	VMOVUPD     (SI)(AX*1), Y2
	VMOVUPD     (DI)(AX*1), Y3
	VMULPD      Y3, Y2, Y5             // p = a·rh
	VMOVAPD     Y5, Y6
	VFMSUB231PD Y3, Y2, Y6             // e = a·rh − p
	VFMADD231PD (R8)(AX*1), Y2, Y6     // + a·rl
	TWOSUM(Y0, Y5, Y7, Y8, Y9, Y10)
	VADDPD      Y6, Y1, Y1
	VADDPD      Y10, Y1, Y1
	VMOVAPD     Y7, Y0
	ADDQ        $32, AX
	JMP         ddd_loop

ddd_reduce:
	DDSUM4
	MOVQ         out+32(FP), AX
	VMOVSD       X5, (AX)
	VMOVSD       X1, 8(AX)
	VZEROUPPER
	RET

// func ddAxpyNeg4AVX512(k int, a0, a1, a2, a3 *float64, x *[4]float64, rh, rl *float64)
//
// (rh, rl) −= Σ_c a_c·x_c over k elements (k a multiple of 8), four
// columns per load and store of (rh, rl); each product split by FMA, each
// subtraction by TwoSum, as ddAxpyNegAVX2.
TEXT ·ddAxpyNeg4AVX512(SB), NOSPLIT, $0-64
	MOVQ         k+0(FP), CX
	MOVQ         a0+8(FP), SI
	MOVQ         a1+16(FP), DX
	MOVQ         a2+24(FP), R8
	MOVQ         a3+32(FP), R9
	MOVQ         x+40(FP), AX
	VBROADCASTSD (AX), Z20
	VBROADCASTSD 8(AX), Z21
	VBROADCASTSD 16(AX), Z22
	VBROADCASTSD 24(AX), Z23
	MOVQ         rh+48(FP), DI
	MOVQ         rl+56(FP), R10
	SHLQ         $3, CX
	XORQ         AX, AX

#define AXSTEP(ptr, xc) \
	VMOVUPD     (ptr)(AX*1), Z2; \
	VMULPD      xc, Z2, Z3; \
	VMOVAPD     Z3, Z4; \
	VFMSUB231PD xc, Z2, Z4; \
	VSUBPD      Z3, Z0, Z5; \
	VSUBPD      Z0, Z5, Z6; \
	VSUBPD      Z6, Z5, Z7; \
	VSUBPD      Z7, Z0, Z7; \
	VADDPD      Z6, Z3, Z8; \
	VSUBPD      Z8, Z7, Z7; \
	VSUBPD      Z4, Z7, Z7; \
	VADDPD      Z7, Z1, Z1; \
	VMOVAPD     Z5, Z0

dax4_loop:
	CMPQ    AX, CX
	JGE     dax4_done
	VMOVUPD (DI)(AX*1), Z0
	VMOVUPD (R10)(AX*1), Z1
	AXSTEP(SI, Z20)
	AXSTEP(DX, Z21)
	AXSTEP(R8, Z22)
	AXSTEP(R9, Z23)
	VMOVUPD Z0, (DI)(AX*1)
	VMOVUPD Z1, (R10)(AX*1)
	ADDQ    $64, AX
	JMP     dax4_loop

dax4_done:
	VZEROUPPER
	RET

// func ddDot4AVX512(k int, a0, a1, a2, a3, rh, rl *float64, out *[64]float64)
//
// The double-double sums Σ a_c·(rh + rl) of four columns over k elements
// (k a multiple of 8), (rh, rl) loaded once for the four: out[16c..16c+7]
// are column c's eight high lanes, out[16c+8..16c+15] its low lanes (the
// caller sums the lanes in double-double).
TEXT ·ddDot4AVX512(SB), NOSPLIT, $0-64
	MOVQ   k+0(FP), CX
	MOVQ   a0+8(FP), SI
	MOVQ   a1+16(FP), DX
	MOVQ   a2+24(FP), R8
	MOVQ   a3+32(FP), R9
	MOVQ   rh+40(FP), DI
	MOVQ   rl+48(FP), R10
	SHLQ   $3, CX
	VPXORQ Z0, Z0, Z0
	VPXORQ Z1, Z1, Z1
	VPXORQ Z2, Z2, Z2
	VPXORQ Z3, Z3, Z3
	VPXORQ Z4, Z4, Z4
	VPXORQ Z5, Z5, Z5
	VPXORQ Z6, Z6, Z6
	VPXORQ Z7, Z7, Z7
	XORQ   AX, AX

#define DOTSTEP(ptr, h, l) \
	VMOVUPD     (ptr)(AX*1), Z10; \
	VMULPD      Z8, Z10, Z11; \
	VMOVAPD     Z11, Z12; \
	VFMSUB231PD Z8, Z10, Z12; \
	VFMADD231PD Z9, Z10, Z12; \
	TWOSUMZ(h, Z11, Z13, Z14, Z15, Z16); \
	VADDPD      Z12, l, l; \
	VADDPD      Z16, l, l; \
	VMOVAPD     Z13, h

ddd4_loop:
	CMPQ    AX, CX
	JGE     ddd4_done
	VMOVUPD (DI)(AX*1), Z8
	VMOVUPD (R10)(AX*1), Z9
	DOTSTEP(SI, Z0, Z4)
	DOTSTEP(DX, Z1, Z5)
	DOTSTEP(R8, Z2, Z6)
	DOTSTEP(R9, Z3, Z7)
	ADDQ    $64, AX
	JMP     ddd4_loop

ddd4_done:
	MOVQ    out+56(FP), AX
	VMOVUPD Z0, (AX)
	VMOVUPD Z4, 64(AX)
	VMOVUPD Z1, 128(AX)
	VMOVUPD Z5, 192(AX)
	VMOVUPD Z2, 256(AX)
	VMOVUPD Z6, 320(AX)
	VMOVUPD Z3, 384(AX)
	VMOVUPD Z7, 448(AX)
	VZEROUPPER
	RET
