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

// TWOSUMZ is TWOSUM on 8-lane registers.
#define TWOSUMZ(a, b, s, bb, t, err) \
	VADDPD b, a, s; \
	VSUBPD a, s, bb; \
	VSUBPD bb, s, t; \
	VSUBPD t, a, t; \
	VSUBPD bb, b, err; \
	VADDPD t, err, err

// DDSUM4G sums the four double-double lanes (YH high, YL low; XH, XL
// their low halves) into the double-double scalar (S, XL): lanes pairwise
// by TwoSum, twice. T2, T3, T4, T6, T7 are scratch.
#define DDSUM4G(YH, YL, XH, XL, S, T2, T3, T4, T6, T7) \
	VEXTRACTF128 $1, YH, T2; \
	VEXTRACTF128 $1, YL, T3; \
	VADDPD       T2, XH, T4; \
	VSUBPD       XH, T4, S; \
	VSUBPD       S, T4, T6; \
	VSUBPD       T6, XH, T6; \
	VSUBPD       S, T2, T7; \
	VADDPD       T7, T6, T6; \
	VADDPD       T3, XL, XL; \
	VADDPD       T6, XL, XL; \
	VUNPCKHPD    T4, T4, T2; \
	VUNPCKHPD    XL, XL, T3; \
	VADDSD       T2, T4, S; \
	VSUBSD       T4, S, T6; \
	VSUBSD       T6, S, T7; \
	VSUBSD       T7, T4, T7; \
	VSUBSD       T6, T2, T6; \
	VADDSD       T6, T7, T7; \
	VADDSD       T3, XL, XL; \
	VADDSD       T7, XL, XL

// DDRESIDG forms the residual (RH, RL) = TGT − (SH + SL) in double-double
// (TwoSum of TGT and −SH, then the low parts) and adds RH² to X14; T2, T3,
// T4, T6, T7 are scratch.
#define DDRESIDG(TGT, SH, SL, RH, RL, T2, T3, T4, T6, T7) \
	VMOVSD       TGT, T2; \
	VSUBSD       SH, T2, T3; \
	VSUBSD       T2, T3, T4; \
	VSUBSD       T4, T3, T6; \
	VSUBSD       T6, T2, T6; \
	VXORPD       T7, T7, T7; \
	VSUBSD       SH, T7, T7; \
	VSUBSD       T4, T7, T7; \
	VADDSD       T7, T6, T6; \
	VSUBSD       SL, T6, T6; \
	VADDSD       T6, T3, RH; \
	VSUBSD       T3, RH, RL; \
	VSUBSD       RL, T6, RL; \
	VFMADD231SD  RH, RH, X14

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
	DDSUM4G(Y0, Y1, X0, X1, X5, X2, X3, X4, X6, X7)
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

// P1STEP adds the products of the row chunk A with x (in Y4) to the
// double-double lanes (S, L): p = a·x and its error e by FMA, TwoSum of S
// and p, then e and TwoSum's error into L with one add on L's chain.
// Y6–Y11 scratch.
#define P1STEP(S, L, A) \
	VMULPD      Y4, A, Y6; \
	VMOVAPD     Y6, Y7; \
	VFMSUB231PD Y4, A, Y7; \
	TWOSUM(S, Y6, Y8, Y9, Y10, Y11); \
	VADDPD      Y11, Y7, Y7; \
	VADDPD      Y7, L, L; \
	VMOVAPD     Y8, S

// P2STEP adds, for the chunks a0 (Y2) and a1 (Y3) of a row pair with
// residuals (Y10, Y11) and (Y12, Y13), rh0·a0 + rh1·a1 to the high parts
// (Y0) by TwoSum and the products' errors, rl·a and the TwoSums' errors to
// the low parts (Y1): the new pair in (Y0, Y5). Y2–Y9 scratch.
#define P2STEP \
	VMULPD      Y10, Y2, Y4; \
	VMOVAPD     Y4, Y5; \
	VFMSUB231PD Y10, Y2, Y5; \
	VFMADD231PD Y11, Y2, Y5; \
	VMULPD      Y12, Y3, Y6; \
	VMOVAPD     Y6, Y7; \
	VFMSUB231PD Y12, Y3, Y7; \
	VFMADD231PD Y13, Y3, Y7; \
	VADDPD      Y7, Y5, Y5; \
	TWOSUM(Y0, Y4, Y8, Y9, Y2, Y7); \
	VADDPD      Y7, Y5, Y5; \
	TWOSUM(Y8, Y6, Y0, Y9, Y2, Y7); \
	VADDPD      Y7, Y5, Y5; \
	VADDPD      Y1, Y5, Y5

// func resdd2AVX2(k, n int, a *float64, lda int, b *float64, ldb int, x, hi, lo *float64, mask *[4]int64) float64
//
// For the k row-major rows a (leading dimension lda, n columns; k even)
// with targets b[i*ldb], the double-double residual r_i = b_i − a_i·x (FMA
// products, TwoSum sums) and the double-double update (hi, lo) += r_i·a_i
// (rh·a_i by FMA-exact products plus rl·a_i); returns Σ rh_i². Two rows at a
// time: the pair's products with x share the loads of x and run as two
// independent chains, their reductions and residuals interleave, and the
// pair's updates of (hi, lo) share one load and store of them, so that one
// row's latencies hide behind the other's work. The n mod 4 tail columns go
// through VMASKMOVPD with mask (its first n mod 4 lanes set), which neither
// reads nor writes past a row.
TEXT ·resdd2AVX2(SB), NOSPLIT, $0-88
	RESDD_ARGS
	MOVQ mask+72(FP), AX
	VMOVUPD (AX), Y15
	MOVQ DX, R13
	ANDQ $-4, R13
	SHLQ $3, R13          // bytes in whole 4-column chunks
	MOVQ DX, BX
	ANDQ $3, BX           // tail columns
	VXORPD X14, X14, X14  // Σ rh²

prow:
	CMPQ CX, $2
	JLT  pdone
	LEAQ (SI)(R11*1), DX  // the pair's second row
	VXORPD Y0, Y0, Y0
	VXORPD Y1, Y1, Y1
	VXORPD Y2, Y2, Y2
	VXORPD Y3, Y3, Y3
	XORQ   AX, AX

pp1:
	CMPQ    AX, R13
	JGE     pp1tail
	VMOVUPD (R8)(AX*1), Y4
	VMOVUPD (SI)(AX*1), Y5
	VMOVUPD (DX)(AX*1), Y12
	P1STEP(Y0, Y1, Y5)
	P1STEP(Y2, Y3, Y12)
	ADDQ    $32, AX
	JMP     pp1

pp1tail:
	TESTQ      BX, BX
	JE         preduce
	VMASKMOVPD (R8)(AX*1), Y15, Y4
	VMASKMOVPD (SI)(AX*1), Y15, Y5
	VMASKMOVPD (DX)(AX*1), Y15, Y12
	P1STEP(Y0, Y1, Y5)
	P1STEP(Y2, Y3, Y12)

preduce:
	DDSUM4G(Y0, Y1, X0, X1, X5, X4, X6, X7, X8, X9)
	DDRESIDG((DI), X5, X1, X10, X11, X4, X6, X7, X8, X9)
	DDSUM4G(Y2, Y3, X2, X3, X5, X4, X6, X7, X8, X9)
	DDRESIDG((DI)(R12*1), X5, X3, X12, X13, X4, X6, X7, X8, X9)
	VBROADCASTSD X10, Y10
	VBROADCASTSD X11, Y11
	VBROADCASTSD X12, Y12
	VBROADCASTSD X13, Y13
	XORQ         AX, AX

pp2:
	CMPQ    AX, R13
	JGE     pp2tail
	VMOVUPD (SI)(AX*1), Y2
	VMOVUPD (DX)(AX*1), Y3
	VMOVUPD (R9)(AX*1), Y0
	VMOVUPD (R10)(AX*1), Y1
	P2STEP
	VMOVUPD Y0, (R9)(AX*1)
	VMOVUPD Y5, (R10)(AX*1)
	ADDQ    $32, AX
	JMP     pp2

pp2tail:
	TESTQ      BX, BX
	JE         pnext
	VMASKMOVPD (SI)(AX*1), Y15, Y2
	VMASKMOVPD (DX)(AX*1), Y15, Y3
	VMASKMOVPD (R9)(AX*1), Y15, Y0
	VMASKMOVPD (R10)(AX*1), Y15, Y1
	P2STEP
	VMASKMOVPD Y0, Y15, (R9)(AX*1)
	VMASKMOVPD Y5, Y15, (R10)(AX*1)

pnext:
	LEAQ (SI)(R11*2), SI
	LEAQ (DI)(R12*2), DI
	SUBQ $2, CX
	JMP  prow

pdone:
	VMOVSD     X14, ret+80(FP)
	VZEROUPPER
	RET

// P1STEPZ is P1STEP on eight lanes, x in Z4, Z6–Z11 scratch.
#define P1STEPZ(S, L, A) \
	VMULPD      Z4, A, Z6; \
	VMOVAPD     Z6, Z7; \
	VFMSUB231PD Z4, A, Z7; \
	TWOSUMZ(S, Z6, Z8, Z9, Z10, Z11); \
	VADDPD      Z11, Z7, Z7; \
	VADDPD      Z7, L, L; \
	VMOVAPD     Z8, S

// P2STEPZ is P2STEP on eight lanes: a0 in Z2, a1 in Z3, residuals in
// (Z10, Z11) and (Z12, Z13), (hi, lo) in (Z0, Z1), the new pair in (Z0, Z5).
#define P2STEPZ \
	VMULPD      Z10, Z2, Z4; \
	VMOVAPD     Z4, Z5; \
	VFMSUB231PD Z10, Z2, Z5; \
	VFMADD231PD Z11, Z2, Z5; \
	VMULPD      Z12, Z3, Z6; \
	VMOVAPD     Z6, Z7; \
	VFMSUB231PD Z12, Z3, Z7; \
	VFMADD231PD Z13, Z3, Z7; \
	VADDPD      Z7, Z5, Z5; \
	TWOSUMZ(Z0, Z4, Z8, Z9, Z2, Z7); \
	VADDPD      Z7, Z5, Z5; \
	TWOSUMZ(Z8, Z6, Z0, Z9, Z2, Z7); \
	VADDPD      Z7, Z5, Z5; \
	VADDPD      Z1, Z5, Z5

// FOLD8 folds the eight double-double lanes (ZH, ZL) to four in (YH, YL)
// by TwoSum; Y4–Y9 scratch.
#define FOLD8(ZH, ZL, YH, YL) \
	VEXTRACTF64X4 $1, ZH, Y4; \
	VEXTRACTF64X4 $1, ZL, Y5; \
	TWOSUM(YH, Y4, Y6, Y7, Y8, Y9); \
	VADDPD        Y5, YL, YL; \
	VADDPD        Y9, YL, YL; \
	VMOVAPD       Y6, YH

// func resdd2AVX512(k, n int, a *float64, lda int, b *float64, ldb int, x, hi, lo *float64, tail int) float64
//
// resdd2AVX2 with eight columns per instruction (k even); the n mod 8 tail
// columns go through zero-masked loads and masked stores under K1 = tail
// (its low n mod 8 bits set).
TEXT ·resdd2AVX512(SB), NOSPLIT, $0-88
	RESDD_ARGS
	MOVQ tail+72(FP), AX
	KMOVW AX, K1
	MOVQ DX, R13
	ANDQ $-8, R13
	SHLQ $3, R13          // bytes in whole 8-column chunks
	MOVQ DX, BX
	ANDQ $7, BX           // tail columns
	VXORPD X14, X14, X14  // Σ rh²

qrow:
	CMPQ CX, $2
	JLT  qdone
	LEAQ (SI)(R11*1), DX  // the pair's second row
	VPXORQ Z0, Z0, Z0
	VPXORQ Z1, Z1, Z1
	VPXORQ Z2, Z2, Z2
	VPXORQ Z3, Z3, Z3
	XORQ   AX, AX

qp1:
	CMPQ    AX, R13
	JGE     qp1tail
	VMOVUPD (R8)(AX*1), Z4
	VMOVUPD (SI)(AX*1), Z5
	VMOVUPD (DX)(AX*1), Z12
	P1STEPZ(Z0, Z1, Z5)
	P1STEPZ(Z2, Z3, Z12)
	ADDQ    $64, AX
	JMP     qp1

qp1tail:
	TESTQ     BX, BX
	JE        qreduce
	VMOVUPD.Z (R8)(AX*1), K1, Z4
	VMOVUPD.Z (SI)(AX*1), K1, Z5
	VMOVUPD.Z (DX)(AX*1), K1, Z12
	P1STEPZ(Z0, Z1, Z5)
	P1STEPZ(Z2, Z3, Z12)

qreduce:
	FOLD8(Z0, Z1, Y0, Y1)
	FOLD8(Z2, Z3, Y2, Y3)
	DDSUM4G(Y0, Y1, X0, X1, X5, X4, X6, X7, X8, X9)
	DDRESIDG((DI), X5, X1, X10, X11, X4, X6, X7, X8, X9)
	DDSUM4G(Y2, Y3, X2, X3, X5, X4, X6, X7, X8, X9)
	DDRESIDG((DI)(R12*1), X5, X3, X12, X13, X4, X6, X7, X8, X9)
	VBROADCASTSD X10, Z10
	VBROADCASTSD X11, Z11
	VBROADCASTSD X12, Z12
	VBROADCASTSD X13, Z13
	XORQ         AX, AX

qp2:
	CMPQ    AX, R13
	JGE     qp2tail
	VMOVUPD (SI)(AX*1), Z2
	VMOVUPD (DX)(AX*1), Z3
	VMOVUPD (R9)(AX*1), Z0
	VMOVUPD (R10)(AX*1), Z1
	P2STEPZ
	VMOVUPD Z0, (R9)(AX*1)
	VMOVUPD Z5, (R10)(AX*1)
	ADDQ    $64, AX
	JMP     qp2

qp2tail:
	TESTQ     BX, BX
	JE        qnext
	VMOVUPD.Z (SI)(AX*1), K1, Z2
	VMOVUPD.Z (DX)(AX*1), K1, Z3
	VMOVUPD.Z (R9)(AX*1), K1, Z0
	VMOVUPD.Z (R10)(AX*1), K1, Z1
	P2STEPZ
	VMOVUPD   Z0, K1, (R9)(AX*1)
	VMOVUPD   Z5, K1, (R10)(AX*1)

qnext:
	LEAQ (SI)(R11*2), SI
	LEAQ (DI)(R12*2), DI
	SUBQ $2, CX
	JMP  qrow

qdone:
	VMOVSD     X14, ret+80(FP)
	VZEROUPPER
	RET
