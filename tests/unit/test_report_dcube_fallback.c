/* test_report_dcube.c again with dcube.c compiled for at most 3 cells: the
 * fixture's 7 cells overflow it, so r_dcube is built by the SQL fallback,
 * and must hold the same values; likewise r_dhour with no hour allowed in
 * memory. */
#define DCUBE_TEST_CAP 3
#define DCUBE_MAX_HOURS 0 /* the hours by SQL too */
#include "test_report_dcube.c"
