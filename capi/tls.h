#ifndef SIA_CAPI_TLS_H
#define SIA_CAPI_TLS_H
__attribute__((visibility("hidden"))) void sia_tls_set_rank(int rank);
int sia_last_rank(void);
#endif
