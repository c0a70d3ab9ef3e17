/* test_report_recommend.c again with sec_recommendations.c compiled to keep
 * at most one group in C: every pass that meets a second signing domain,
 * From domain or rule leaves its tables to SQL, and the findings must be
 * the same. */
#define RECO_TEST_CAP 1
#include "test_report_recommend.c"
