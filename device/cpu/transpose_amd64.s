//go:build !purego

#include "textflag.h"

// func transpose4AVX2(c int, a0, a1, a2, a3 *float64, w *float64, ldw int)
//
// Transposes the 4 × (c rounded down to a multiple of 4) block whose rows
// start at a0..a3 into w: w[j*ldw+r] = a_r[j] for r = 0..3. Four columns
// per step: four 32-byte loads, a 4 × 4 transpose in registers (two
// unpacks and two lane permutes per output), four 32-byte stores.
TEXT ·transpose4AVX2(SB), NOSPLIT, $0-56
	MOVQ c+0(FP), CX
	MOVQ a0+8(FP), R8
	MOVQ a1+16(FP), R9
	MOVQ a2+24(FP), R10
	MOVQ a3+32(FP), R11
	MOVQ w+40(FP), DI
	MOVQ ldw+48(FP), DX
	SHLQ $3, DX
	LEAQ (DX)(DX*2), BX
	SHRQ $2, CX
	JZ   done

loop:
	VMOVUPD (R8), Y0
	VMOVUPD (R9), Y1
	VMOVUPD (R10), Y2
	VMOVUPD (R11), Y3
	VUNPCKLPD Y1, Y0, Y4
	VUNPCKHPD Y1, Y0, Y5
	VUNPCKLPD Y3, Y2, Y6
	VUNPCKHPD Y3, Y2, Y7
	VPERM2F128 $0x20, Y6, Y4, Y0
	VPERM2F128 $0x20, Y7, Y5, Y1
	VPERM2F128 $0x31, Y6, Y4, Y2
	VPERM2F128 $0x31, Y7, Y5, Y3
	VMOVUPD Y0, (DI)
	VMOVUPD Y1, (DI)(DX*1)
	VMOVUPD Y2, (DI)(DX*2)
	VMOVUPD Y3, (DI)(BX*1)
	ADDQ $32, R8
	ADDQ $32, R9
	ADDQ $32, R10
	ADDQ $32, R11
	LEAQ (DI)(DX*4), DI
	DECQ CX
	JNZ  loop

done:
	VZEROUPPER
	RET
