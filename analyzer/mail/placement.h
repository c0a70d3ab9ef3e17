/* placement — where did this copy land: inbox or spam? Decided from the
 * strongest evidence available, in this order:
 *   1. Gmail labels (X-Gmail-Labels: Spam / Inbox),
 *   2. the folder the copy was found in (Junk, Spam, Bulk, Junk E-mail,
 *      Maildir ".Junk", mbox file names such as Spam.mbox; INBOX),
 *   3. the receiver's verdict headers (X-Spam-Flag, X-Spam-Status,
 *      X-hMailServer-Spam, X-MS-Exchange-Organization-SCL,
 *      X-Forefront-Antispam-Report SFV/SCL, X-Microsoft-Antispam BCL,
 *      X-Spam-Score against the threshold in X-Spam-Status).
 * The evidence string says which rule decided ("folder:.Junk",
 * "header:X-Spam-Flag=YES", "gmail-label:Spam"). */
#ifndef MAIL_PLACEMENT_H
#define MAIL_PLACEMENT_H

#include "mail/header.h"
#include "util/arena.h"

enum placement { PLACEMENT_UNKNOWN = 0, PLACEMENT_INBOX, PLACEMENT_SPAM };

const char *placement_name(enum placement p);
/* folder: the folder/mailbox name from the source (may be NULL);
 * gmail_labels: the unfolded X-Gmail-Labels value (may be NULL). */
enum placement placement_decide(arena *a, const struct hdr_block *h, const char *folder,
                                const char *gmail_labels, const char **evidence);

#endif
