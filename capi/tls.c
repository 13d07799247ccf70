/* Per-thread state of the C API: the effective rank of the calling
 * thread's last training call (sia_last_rank in sia.h). Each export runs on
 * the C thread that called it, and so does the Go code it calls back into
 * C, so thread-local storage here is the caller's. */
#include "tls.h"

static _Thread_local int last_rank = -1;

void sia_tls_set_rank(int rank) { last_rank = rank; }

int sia_last_rank(void) { return last_rank; }
