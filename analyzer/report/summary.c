/* summary — see summary.h. Each section is one query and a small table
 * printer; message-derived text has its control bytes replaced so that a
 * hostile Subject cannot drive the terminal. */
#include "report/summary.h"

#include <sqlite3.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#define TOP_N 10

struct section {
    const char *title;
    const char *sql;     /* columns: label columns..., then counts */
    const char *columns; /* column headings separated by '|' */
    const char *fmt;     /* per row: 's' text column, 'd' integer column */
    int width[10];       /* display width of each text column (0: as long as it is) */
};

static const struct section sections[] = {
    {"Sources by format",
     "SELECT format, container, count(*), sum(status='error'), sum(n_messages) FROM sources"
     " GROUP BY format, container ORDER BY count(*) DESC",
     "format|container|files|errors|messages",
     "ssddd",
     {10, 22}},
    {"Copies by placement",
     "SELECT placement, count(*), count(DISTINCT message_id) FROM sightings GROUP BY placement"
     " ORDER BY count(*) DESC",
     "placement|copies|messages",
     "sdd",
     {10}},
    {"Copies by folder (top 15)",
     "SELECT coalesce(folder, '(none)'), placement, count(*) FROM sightings"
     " GROUP BY folder, placement ORDER BY count(*) DESC, folder LIMIT 15",
     "folder|placement|copies",
     "ssd",
     {32, 10}},
    {"Mailboxes (hMailServer)",
     "SELECT domain, coalesce(account, '(public or queue)'), count(*), sum(placement='spam')"
     " FROM sightings WHERE domain IS NOT NULL OR account IS NOT NULL GROUP BY domain, account"
     " ORDER BY domain, account",
     "domain|account|copies|spam",
     "ssdd",
     {22, 18}},
    {"Sender domains (top 10)",
     "SELECT coalesce(m.from_domain, '(none)'), count(DISTINCT m.id), count(s.id),"
     " sum(s.placement='spam'), sum(s.placement='inbox')"
     " FROM messages m JOIN sightings s ON s.message_id = m.id"
     " GROUP BY m.from_domain ORDER BY count(s.id) DESC LIMIT 10",
     "from domain|messages|copies|spam|inbox",
     "sdddd",
     {32}},
    {"Attachments by detected type",
     "SELECT coalesce(detected_type, content_type), count(*), count(DISTINCT message_id) FROM parts"
     " WHERE is_attachment GROUP BY detected_type ORDER BY count(*) DESC",
     "type|attachments|messages",
     "sdd",
     {16}},
    {"Executables inside archives",
     "SELECT a.name, p.filename, count(*) FROM archive_members a JOIN parts p ON p.id = a.part_id"
     " WHERE lower(a.name) GLOB '*.exe' OR lower(a.name) GLOB '*.scr' OR lower(a.name) GLOB '*.js'"
     " OR lower(a.name) GLOB '*.vbs' OR lower(a.name) GLOB '*.bat' OR lower(a.name) GLOB '*.cmd'"
     " OR lower(a.name) GLOB '*.msi' OR lower(a.name) GLOB '*.lnk' OR a.encrypted"
     " GROUP BY a.name, p.filename ORDER BY count(*) DESC LIMIT 10",
     "member|in archive|times",
     "ssd",
     {32, 22}},
    {"Anomalies (top 20)",
     "SELECT code, count(*), count(DISTINCT message_id), count(DISTINCT source_id) FROM anomalies"
     " GROUP BY code ORDER BY count(*) DESC LIMIT 20",
     "anomaly|count|messages|sources",
     "sddd",
     {32}},
    {"Log files (times in UTC; zone-less timestamps read in the zone shown)",
     "SELECT f.format, s.path, f.lines_total, f.lines_event, f.lines_foreign, f.lines_bad,"
     " coalesce(f.first_time, '-'), coalesce(f.last_time, '-'),"
     " 'UTC' || CASE WHEN f.tz_offset_min = 0 THEN '' ELSE printf('%+d:%02d', f.tz_offset_min / 60,"
     " abs(f.tz_offset_min) % 60) END FROM log_files f"
     " JOIN sources s ON s.id = f.source_id ORDER BY f.first_time, s.path",
     "format|path|lines|events|other programs|bad|first|last|read as",
     "ssddddsss",
     {12, 40, 0, 0, 0, 0, 21, 21, 0}},
    {"Delivery outcomes by provider (final outcome per recipient; source: MTA log or bounce "
     "message)",
     "SELECT coalesce(provider, 'other'), source, count(*), sum(status='sent'), sum(status='deferred'),"
     " sum(status='bounced'), sum(status='expired'), sum(status='rejected') FROM delivery_outcomes"
     " GROUP BY 1, 2 ORDER BY 3 DESC",
     "provider|source|recipients|sent|deferred|bounced|expired|rejected",
     "ssdddddd",
     {14, 6}},
    {"Delivery attempts by status",
     "SELECT status, count(*), count(DISTINCT recipient) FROM deliveries GROUP BY status ORDER BY "
     "2 DESC",
     "status|attempts|recipients",
     "sdd",
     {10}},
    {"Bounce and deferral reasons (top 15)",
     "SELECT coalesce(reason, 'undefined'), status, CASE WHEN hard THEN 'hard' ELSE 'soft' END, "
     "count(*),"
     " count(DISTINCT recipient_domain) FROM deliveries WHERE status <> 'sent'"
     " GROUP BY 1, 2, 3 ORDER BY 4 DESC LIMIT 15",
     "reason|status|kind|attempts|domains",
     "sssdd",
     {16, 10, 5}},
    {"Top replies of failures and deferrals (top 10, one example each)",
     "SELECT count(*), coalesce(provider, 'other'), coalesce(reason, 'undefined'), coalesce(dsn, "
     "'-'),"
     " substr(replace(replace(min(CASE WHEN instr(reply_text, ' said: ') > 0"
     " THEN substr(reply_text, instr(reply_text, ' said: ') + 7) ELSE reply_text END),"
     " char(10), ' '), char(13), ' '), 1, 100)"
     " FROM deliveries WHERE status <> 'sent' AND reply_text IS NOT NULL"
     " GROUP BY 2, 3, 4 ORDER BY 1 DESC LIMIT 10",
     "count|provider|reason|dsn|example reply",
     "dssss",
     {0, 11, 14, 7, 0}},
    {"Blocklists named in rejections",
     "SELECT blocklist, CASE WHEN blocklist_misconfig THEN 'receiver misconfigured (not a listing)'"
     " ELSE 'listing' END, count(*), min(time), max(time) FROM deliveries WHERE blocklist IS NOT "
     "NULL"
     " GROUP BY 1, 2 ORDER BY 3 DESC",
     "blocklist|meaning|times|first|last",
     "ssdss",
     {16, 38, 0, 21}},
    {"DKIM signatures by domain and result (top 15)",
     "SELECT coalesce(domain, '?'), coalesce(selector, '?'), result, coalesce(reason, '-'),"
     " count(*) FROM dkim_signatures GROUP BY 1, 2, 3, 4 ORDER BY 5 DESC, 1 LIMIT 15",
     "domain|selector|result|reason|signatures",
     "ssssd",
     {24, 12, 9, 30}},
    {"DKIM results by placement (copies; what the spam copies share)",
     "SELECT s.placement, coalesce(d.domain, '?'), d.result, count(*) FROM sightings s"
     " JOIN dkim_signatures d ON d.message_id = s.message_id WHERE NOT d.legacy"
     " GROUP BY 1, 2, 3 ORDER BY 1, 4 DESC LIMIT 20",
     "placement|domain|result|copies",
     "sssd",
     {10, 24, 9}},
    {"DKIM failures: diagnosis (top 10)",
     "SELECT coalesce(d.domain, '?'), coalesce(d.reason, '-'), count(*),"
     " substr(coalesce(min(d.detail), ''), 1, 110) FROM dkim_signatures d"
     " WHERE d.result NOT IN ('pass', 'neutral') GROUP BY 1, 2 ORDER BY 3 DESC LIMIT 10",
     "domain|reason|signatures|diagnosis (one example)",
     "ssds",
     {24, 26, 0, 0}},
    {"Authentication by placement (copies; what the spam copies share)",
     "SELECT s.placement, coalesce(sp.result, '-'), coalesce(ip.result, '-'),"
     " coalesce(dm.result, '-'), coalesce(sp.ip, '-'), count(*) FROM sightings s"
     " LEFT JOIN spf_results sp ON sp.message_id = s.message_id AND sp.identity = 'mailfrom'"
     " LEFT JOIN iprev_results ip ON ip.message_id = s.message_id"
     " LEFT JOIN dmarc_results dm ON dm.message_id = s.message_id"
     " WHERE sp.message_id IS NOT NULL OR dm.message_id IS NOT NULL"
     " GROUP BY 1, 2, 3, 4, 5 ORDER BY 1, 6 DESC LIMIT 25",
     "placement|spf|iprev|dmarc|client ip|copies",
     "sssssd",
     {10, 9, 9, 9, 39}},
    {"DMARC by From domain (and how organizational domains were found)",
     "SELECT coalesce(from_domain, '-'), result, coalesce(policy, '-'), coalesce(disposition, '-'),"
     " method, count(*) FROM dmarc_results GROUP BY 1, 2, 3, 4, 5 ORDER BY 6 DESC, 1 LIMIT 15",
     "from domain|result|policy|disposition|method|messages",
     "sssssd",
     {24, 9, 10, 11, 29}},
    {"Bulk-sender requirements not met (messages)",
     "SELECT requirement, status, count(*), substr(min(evidence), 1, 80) FROM requirements"
     " WHERE status <> 'pass' GROUP BY 1, 2 ORDER BY 3 DESC, 1",
     "requirement|status|messages|evidence (one example)",
     "ssds",
     {22, 8, 0, 0}},
    {"Receivers' claims that differ from what we find now",
     "SELECT method, result, coalesce(ours, '-'), coalesce(cause, '-'), count(*)"
     " FROM auth_claims WHERE verdict = 'different' GROUP BY 1, 2, 3, 4 ORDER BY 5 DESC LIMIT 15",
     "method|claimed|ours|likely cause|claims",
     "ssssd",
     {8, 9, 9, 60}},
    {"Content score by placement (copies)",
     "SELECT s.placement, count(*), sum(c.is_spam), printf('%.1f', avg(c.total)),"
     " printf('%.1f', min(c.total)), printf('%.1f', max(c.total)) FROM sightings s"
     " JOIN content_scores c ON c.message_id = s.message_id GROUP BY 1 ORDER BY 2 DESC",
     "placement|copies|over threshold|mean score|min|max",
     "sddsss",
     {10, 0, 0, 10, 6, 6}},
    {"Content rules hit, by placement (top 20; what the spam copies share)",
     "SELECT s.placement, h.rule, printf('%.1f', max(h.score)), count(*),"
     " substr(coalesce(max(h.description), ''), 1, 60) FROM sightings s"
     " JOIN rule_hits h ON h.message_id = s.message_id GROUP BY 1, 2"
     " ORDER BY 4 DESC, 1, 2 LIMIT 20",
     "placement|rule|score|copies|description",
     "sssds",
     {10, 28, 6, 0, 0}},
    {"DMARC aggregate reports by reporter",
     "SELECT coalesce(org_name, '?'), coalesce(domain, '?'), count(*), sum(n_rows), sum(n_messages),"
     " coalesce(min(date_begin), '-'), coalesce(max(date_end), '-'),"
     " sum(status <> 'complete') FROM dmarc_reports GROUP BY 1, 2 ORDER BY 5 DESC, 1 LIMIT 15",
     "reporter|domain|reports|rows|messages|from|until|incomplete",
     "ssdddssd",
     {22, 24, 0, 0, 0, 21, 21}},
    {"DMARC aggregate by source IP (top 20; messages as the receivers counted them)",
     "SELECT coalesce(r.source_ip, '?'), coalesce(r.header_from, '?'), sum(max(r.count, 0)),"
     " coalesce(sum(CASE WHEN r.dkim = 'pass' THEN r.count END), 0),"
     " coalesce(sum(CASE WHEN r.spf = 'pass' THEN r.count END), 0),"
     " coalesce(sum(CASE WHEN r.dkim IS NOT 'pass' AND r.spf IS NOT 'pass' THEN r.count END), 0),"
     " coalesce(sum(CASE WHEN r.disposition IN ('quarantine', 'reject') THEN r.count END), 0),"
     " count(DISTINCT d.org_name) FROM dmarc_report_rows r JOIN dmarc_reports d ON d.id = r.report"
     " GROUP BY 1, 2 ORDER BY 3 DESC, 1 LIMIT 20",
     "source ip|header from|messages|dkim pass|spf pass|dmarc fail|quarantined/rejected|reporters",
     "ssdddddd",
     {39, 24}},
    {"Sending as your domain without authenticating (DMARC aggregate: neither DKIM nor SPF "
     "aligned)",
     "SELECT coalesce(r.source_ip, '?'), coalesce(r.header_from, '?'), sum(max(r.count, 0)),"
     " count(DISTINCT d.org_name), coalesce(max(r.dkim_domain), '-'),"
     " coalesce(max(r.envelope_from), max(r.spf_domain), '-'), coalesce(min(d.date_begin), '-')"
     " FROM dmarc_report_rows r JOIN dmarc_reports d ON d.id = r.report"
     " WHERE r.dkim IS NOT 'pass' AND r.spf IS NOT 'pass'"
     " GROUP BY 1, 2 ORDER BY 3 DESC, 1 LIMIT 15",
     "source ip|header from|messages|reporters|dkim d=|envelope from|first seen",
     "ssddsss",
     {39, 24, 0, 0, 24, 24, 21}},
    {"Complaints (feedback loops) by campaign and reporter",
     "SELECT coalesce(orig_feedback_id, orig_list_id, '(no Feedback-ID or List-Id)'),"
     " coalesce(reporter, user_agent, '?'), coalesce(feedback_type, '?'), count(*), sum(incidents),"
     " count(DISTINCT orig_message_id), substr(coalesce(min(orig_subject), ''), 1, 50)"
     " FROM feedback_reports WHERE feedback_type IS NOT 'auth-failure'"
     " GROUP BY 1, 2, 3 ORDER BY 5 DESC, 1 LIMIT 15",
     "campaign|reporter|type|reports|complaints|messages|subject (one example)",
     "sssddds",
     {32, 14, 10, 0, 0, 0, 0}},
    {"Complaint rate by provider (complaints / recipients delivered per the MTA logs)",
     "WITH c AS (SELECT coalesce(reporter, 'other') AS p, sum(incidents) AS n FROM"
     " feedback_reports WHERE feedback_type IS NOT 'auth-failure' AND feedback_type IS NOT"
     " 'not-spam' GROUP BY 1),"
     " d AS (SELECT coalesce(provider, 'other') AS p, count(*) AS n FROM delivery_outcomes"
     " WHERE source = 'log' AND status = 'sent' GROUP BY 1)"
     " SELECT c.p, c.n, coalesce(d.n, 0), CASE WHEN d.n > 0 THEN printf('%.3f%%', 100.0 * c.n / d.n)"
     " ELSE 'no deliveries' END FROM c LEFT JOIN d ON d.p = c.p ORDER BY 2 DESC, 1",
     "provider|complaints|delivered|rate",
     "sdds",
     {14}},
    {"DMARC failure reports (ruf) by domain",
     "SELECT coalesce(dkim_domain, reported_domain, '?'), coalesce(auth_failure, '?'),"
     " coalesce(source_ip, '?'), coalesce(delivery_result, '-'), count(*) FROM feedback_reports"
     " WHERE feedback_type = 'auth-failure' GROUP BY 1, 2, 3, 4 ORDER BY 5 DESC LIMIT 15",
     "domain|failure|source ip|delivery|reports",
     "ssssd",
     {24, 10, 39, 10}},
    {"TLS reports (TLS-RPT) by policy domain",
     "SELECT coalesce(p.policy_domain, '?'), coalesce(p.policy_type, '?'),"
     " count(DISTINCT r.organization_name), coalesce(sum(p.total_successful), 0),"
     " coalesce(sum(p.total_failure), 0) FROM tlsrpt_policies p"
     " JOIN tlsrpt_reports r ON r.id = p.report GROUP BY 1, 2 ORDER BY 5 DESC, 1 LIMIT 15",
     "policy domain|policy|reporters|sessions ok|sessions failed",
     "ssddd",
     {24, 16}},
    {"TLS failures by MX (TLS-RPT)",
     "SELECT coalesce(f.receiving_mx_hostname, p.mx_host, p.policy_domain, '?'),"
     " coalesce(f.result_type, '?'), coalesce(sum(f.failed_session_count), 0),"
     " count(DISTINCT r.organization_name), coalesce(min(f.receiving_ip), '-')"
     " FROM tlsrpt_failures f JOIN tlsrpt_policies p ON p.id = f.policy"
     " JOIN tlsrpt_reports r ON r.id = p.report GROUP BY 1, 2 ORDER BY 3 DESC, 1 LIMIT 15",
     "mx|failure|sessions|reporters|receiving ip",
     "ssdds",
     {32, 28, 0, 0, 0}},
    {"Bounce messages by format and reason (recipients)",
     "SELECT b.format, coalesce(r.reason, 'undefined'), r.status,"
     " CASE WHEN r.hard THEN 'hard' ELSE 'soft' END, count(*),"
     " count(DISTINCT r.recipient_domain) FROM bounce_recipients r"
     " JOIN bounce_messages b ON b.id = r.bounce WHERE b.kind = 'bounce'"
     " GROUP BY 1, 2, 3, 4 ORDER BY 5 DESC, 1 LIMIT 15",
     "format|reason|status|kind|recipients|domains",
     "ssssdd",
     {12, 16, 9, 5}},
    {"Auto-replies (not counted as bounces)",
     "SELECT coalesce(format, '?'), count(*), substr(coalesce(min(evidence), ''), 1, 60)"
     " FROM bounce_messages WHERE kind = 'autoreply' GROUP BY 1 ORDER BY 2 DESC",
     "format|messages|evidence (one example)",
     "sds",
     {12}},
    {"Unreadable sources",
     "SELECT path, coalesce(error, '') FROM sources WHERE status <> 'done' ORDER BY path LIMIT 20",
     "path|error",
     "ss",
     {52, 0}},
};

/* Print a stored string in a column of `width` characters (0: no limit):
 * control bytes become '?', a longer value is cut with "~" so columns stay
 * aligned. Widths count UTF-8 characters, not bytes. */
void report_put_cell(FILE *out, const char *cell, int width)
{
    const unsigned char *s = (const unsigned char *)(cell ? cell : "");
    int n = 0;
    for (; *s; s++) {
        bool lead = (*s & 0xC0) != 0x80;
        if (lead && width > 0 && n == width - 1) {
            /* one column left: if another character follows this one, mark the cut */
            const unsigned char *t = s + 1;
            while (*t && (*t & 0xC0) == 0x80)
                t++;
            if (*t) {
                fputc('~', out);
                n++;
                break;
            }
        }
        if (lead) n++;
        fputc(*s < 0x20 || *s == 0x7f ? '?' : *s, out);
    }
    for (; n < width; n++)
        fputc(' ', out);
}

/* Length of the heading of column c. */
static int heading_len(const struct section *sec, int c)
{
    const char *h = sec->columns;
    for (; c > 0 && h; c--) {
        h = strchr(h, '|');
        if (h) h++;
    }
    if (!h) return 0;
    const char *bar = strchr(h, '|');
    return bar ? (int)(bar - h) : (int)strlen(h);
}

/* Numeric columns are 7 wide, or as wide as their heading. */
static int num_width(const struct section *sec, int c)
{
    int len = heading_len(sec, c);
    return len > 7 ? len : 7;
}

/* The column headings, laid out like the rows below them. */
static void print_heading(FILE *out, const struct section *sec)
{
    const char *h = sec->columns;
    fputs("  ", out);
    for (int c = 0; sec->fmt[c]; c++) {
        const char *bar = strchr(h, '|');
        int len = bar ? (int)(bar - h) : (int)strlen(h);
        if (sec->fmt[c] == 's') {
            int width = c < 10 ? sec->width[c] : 0;
            fprintf(out, "%-*.*s ", width, len, h);
        } else {
            fprintf(out, "%*.*s ", num_width(sec, c), len, h);
        }
        h = bar ? bar + 1 : h + len;
    }
    fputc('\n', out);
}

static int scalar(sqlite3 *h, const char *sql, long long *v)
{
    sqlite3_stmt *s;
    if (sqlite3_prepare_v2(h, sql, -1, &s, NULL) != SQLITE_OK) return -1;
    int rc = sqlite3_step(s);
    *v = rc == SQLITE_ROW ? sqlite3_column_int64(s, 0) : 0;
    sqlite3_finalize(s);
    return rc == SQLITE_ROW || rc == SQLITE_DONE ? 0 : -1;
}

static int print_section(sqlite3 *h, const struct section *sec, FILE *out, char *err, size_t errlen)
{
    sqlite3_stmt *s;
    if (sqlite3_prepare_v2(h, sec->sql, -1, &s, NULL) != SQLITE_OK) {
        if (strstr(sqlite3_errmsg(h), "no such table") ||
            strstr(sqlite3_errmsg(h), "no such column")) {
            /* a database last written by an older mailaudit (read-only here) */
            fprintf(out,
                    "\n%s\n  (not in this database: written by an older mailaudit; any "
                    "ingest upgrades it)\n",
                    sec->title);
            return 0;
        }
        snprintf(err, errlen, "%s: %s", sec->title, sqlite3_errmsg(h));
        return -1;
    }
    fprintf(out, "\n%s\n", sec->title);
    int rows = 0, rc;
    while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
        if (rows++ == 0) print_heading(out, sec);
        fputs("  ", out);
        int n = (int)strlen(sec->fmt);
        for (int c = 0; c < n; c++) {
            if (sec->fmt[c] == 's') {
                int width = c < 10 ? sec->width[c] : 0;
                report_put_cell(out, (const char *)sqlite3_column_text(s, c), width);
                fputc(' ', out);
            } else {
                fprintf(out, "%*lld ", num_width(sec, c), (long long)sqlite3_column_int64(s, c));
            }
        }
        fputc('\n', out);
    }
    if (rc != SQLITE_DONE) {
        snprintf(err, errlen, "%s: %s", sec->title, sqlite3_errmsg(h));
        sqlite3_finalize(s);
        return -1;
    }
    if (rows == 0) fputs("  (none)\n", out);
    sqlite3_finalize(s);
    return 0;
}

int report_summary_text(struct db *db, const char *db_path, FILE *out, char *err, size_t errlen)
{
    sqlite3 *h = (sqlite3 *)db_handle(db);
    long long n_sources = 0, n_msgs = 0, n_copies = 0, n_runs = 0, n_anom = 0, n_parts = 0,
              n_att = 0;
    if (scalar(h, "SELECT count(*) FROM sources", &n_sources) ||
        scalar(h, "SELECT count(*) FROM messages", &n_msgs) ||
        scalar(h, "SELECT count(*) FROM sightings", &n_copies) ||
        scalar(h, "SELECT count(*) FROM runs", &n_runs) ||
        scalar(h, "SELECT count(*) FROM anomalies", &n_anom) ||
        scalar(h, "SELECT count(*) FROM parts", &n_parts) ||
        scalar(h, "SELECT count(*) FROM parts WHERE is_attachment", &n_att)) {
        snprintf(err, errlen, "%s: %s", db_path, sqlite3_errmsg(h));
        return -1;
    }
    sqlite3_stmt *s;
    char last_run[40] = "never";
    if (sqlite3_prepare_v2(h,
                           "SELECT coalesce(finished_at, started_at || ' (interrupted)') FROM runs"
                           " ORDER BY id DESC LIMIT 1",
                           -1, &s, NULL) == SQLITE_OK) {
        if (sqlite3_step(s) == SQLITE_ROW && sqlite3_column_text(s, 0))
            snprintf(last_run, sizeof last_run, "%s", (const char *)sqlite3_column_text(s, 0));
        sqlite3_finalize(s);
    }
    fprintf(out, "mailaudit summary of %s\n", db_path);
    fprintf(out,
            "  %lld sources, %lld messages (%lld copies), %lld MIME parts (%lld attachments),"
            " %lld anomalies; %lld runs, last %s\n",
            n_sources, n_msgs, n_copies, n_parts, n_att, n_anom, n_runs, last_run);
    for (size_t i = 0; i < sizeof sections / sizeof sections[0]; i++)
        if (print_section(h, &sections[i], out, err, errlen) != 0) return -1;
    return 0;
}
