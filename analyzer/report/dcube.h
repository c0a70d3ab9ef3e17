/* dcube — the deliveries in scope counted once into TEMP table r_dcube (see
 * rctx.h for its columns and dcube.c for why and how). */
#ifndef REPORT_DCUBE_H
#define REPORT_DCUBE_H
#include "report/rctx.h"

/* Build r_dcube from r_dlv and r_sup (rctx_open calls it). 0 or -1 (c->err). */
int rctx_dcube(struct rctx *c);

#endif
