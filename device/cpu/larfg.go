package cpu

import "math"

// safmin is LAPACK's dlamch('S')/dlamch('E'): below it a reflector's β is
// rescaled before the reflector is formed.
const safmin = 0x1p-1022 / 0x1p-53

// Larfg generates an elementary reflector H of order 1+len(x) such that
//
//	H · [alpha; x] = [beta; 0],   Hᵀ·H = I,   H = I − tau · [1; v] · [1; v]ᵀ,
//
// as LAPACK's dlarfg. On return x holds v (the reflector's tail, its head
// being an implicit 1), and beta, tau are returned. If x is zero, H = I:
// tau = 0 and beta = alpha. Otherwise 1 ≤ tau ≤ 2 and |beta| = ‖[alpha; x]‖₂
// with the sign opposite to alpha's, so no cancellation occurs.
//
// Tiny vectors are rescaled (at most a few times) so that v and tau are
// accurate even when ‖[alpha; x]‖ is below the safe minimum.
func Larfg(alpha float64, x []float64) (beta, tau float64) {
	xnorm := nrm2(x)
	if xnorm == 0 {
		return alpha, 0
	}
	beta = -math.Copysign(math.Hypot(alpha, xnorm), alpha)
	knt := 0
	if math.Abs(beta) < safmin {
		rsafmn := 1 / safmin
		for {
			knt++
			scal(rsafmn, x)
			beta *= rsafmn
			alpha *= rsafmn
			if math.Abs(beta) >= safmin || knt >= 20 {
				break
			}
		}
		xnorm = nrm2(x)
		beta = -math.Copysign(math.Hypot(alpha, xnorm), alpha)
	}
	tau = (beta - alpha) / beta
	scal(1/(alpha-beta), x)
	for j := 0; j < knt; j++ {
		beta *= safmin
	}
	return beta, tau
}
