/* test_report_dcube.c again with dcube.c compiled for at most 3 cells: the
 * fixture's 7 cells overflow it, so r_dcube is built by the SQL fallback,
 * and must hold the same values. */
#define DCUBE_TEST_CAP 3
#include "test_report_dcube.c"
