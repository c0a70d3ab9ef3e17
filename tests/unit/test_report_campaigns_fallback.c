/* test_report_campaigns.c again with sec_campaigns.c compiled to keep at
 * most one Message-ID and one campaign in memory: the per-campaign sums
 * take rctx_hashagg, the deliveries and complaints the SQL path
 * (r_camp_mid), and must give the same tables. */
#define CAMP_MID_MAX 1
#define CAMP_MAX_GROUPS 1
#include "../../analyzer/report/sec_campaigns.c"
#include "test_report_campaigns.c"
