/* quickstart.c -- the README's first program: fit a model, then retrain it
 * on new keys only. Built and run by `make test`.
 *   cc -Iinclude ctest/quickstart.c -Lbuild -lsia -o quickstart */
#include <stdio.h>

#include "sia.h"

int main(void) {
  /* 6 keys of 2 bytes, row-major [byte0, byte1, bias], targets = positions */
  double a[6 * 3] = {97, 97, 1,  97, 98, 1,  97, 122, 1,
                     98, 97, 1,  98, 99, 1,  99, 97,  1};
  double b[6] = {0, 1, 2, 3, 4, 5};
  int rc = cold_train(42, SIA_ROW_MAJOR, 'N', 6, 3, 1, a, 3, b, 1);
  if (rc != 0) return fprintf(stderr, "cold_train: %s\n", sia_strerror(rc)), 1;
  printf("cold:  pos = %.4f*b0 + %.4f*b1 + %.4f\n", b[0], b[1], b[2]);

  /* Two keys arrive: only they are factored, against model 42's memo. */
  double a_new[2 * 3] = {99, 100, 1,  100, 97, 1};
  double b_new[3] = {6, 7, 0}; /* ldb >= max(m, n) rows: room for n results */
  rc = incre_train(42, SIA_ROW_MAJOR, 'N', 2, 3, 1, a_new, 3, b_new, 1);
  if (rc != 0) return fprintf(stderr, "incre_train: %s\n", sia_strerror(rc)), 1;
  printf("incre: pos = %.4f*b0 + %.4f*b1 + %.4f\n", b_new[0], b_new[1], b_new[2]);
  sia_memo_drop(42);
  return 0;
}
