/* test_report_hashagg.c again with hashagg.c compiled for at most 2
 * groups: every aggregate of more groups takes the SQL path, and must give
 * the same tables. */
#define HASHAGG_TEST_CAP 2
#include "test_report_hashagg.c"
