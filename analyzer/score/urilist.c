/* urilist — SpamAssassin's URI list (see urilist.h).
 *
 * The text scanner reproduces the matching of PerMsgStatus::_tbirdurire
 * over each body line (bytes: \s and \w are ASCII, the delimiters 0x1B and
 * 0xA0 are bytes): at the leftmost position where a word boundary, an ISO
 * 2022 shift or a start delimiter allows it, a scheme URI (http://, https://,
 * ftp://, www., wwwNN., ftp.), else an e-mail (mailto: or local@domain),
 * else a bare host ending in a known TLD (only after punctuation or at the
 * start of the line) with optional port and path; then the next search
 * starts after it. Each found text is then trimmed and typed as
 * _process_text_uri_list does, and canonicalised as
 * Util::uri_list_canonicalize does (see urilist.h). */
#include "score/urilist.h"

#include <arpa/inet.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util/hash.h"
#include "util/str.h"

/* ---------------------------------------------------------------------- */
/* TLDs: ICANN section of the Public Suffix List, sorted, lowercase ASCII
 * (IDN TLDs in punycode) */
/* clang-format off */
static const char *const tlds[] = {
    "aaa", "aarp", "abarth", "abb", "abbott", "abbvie", "abc", "able", "abogado", "abudhabi", "ac",
    "academy", "accenture", "accountant", "accountants", "aco", "actor", "ad", "ads", "adult",
    "ae", "aeg", "aero", "aetna", "af", "afl", "africa", "ag", "agakhan", "agency", "ai", "aig",
    "airbus", "airforce", "airtel", "akdn", "al", "alfaromeo", "alibaba", "alipay", "allfinanz",
    "allstate", "ally", "alsace", "alstom", "am", "amazon", "americanexpress", "americanfamily",
    "amex", "amfam", "amica", "amsterdam", "analytics", "android", "anquan", "anz", "ao", "aol",
    "apartments", "app", "apple", "aq", "aquarelle", "ar", "arab", "aramco", "archi", "army",
    "arpa", "art", "arte", "as", "asda", "asia", "associates", "at", "athleta", "attorney", "au",
    "auction", "audi", "audible", "audio", "auspost", "author", "auto", "autos", "avianca", "aw",
    "aws", "ax", "axa", "az", "azure", "ba", "baby", "baidu", "banamex", "bananarepublic", "band",
    "bank", "bar", "barcelona", "barclaycard", "barclays", "barefoot", "bargains", "baseball",
    "basketball", "bauhaus", "bayern", "bb", "bbc", "bbt", "bbva", "bcg", "bcn", "bd", "be",
    "beats", "beauty", "beer", "bentley", "berlin", "best", "bestbuy", "bet", "bf", "bg", "bh",
    "bharti", "bi", "bible", "bid", "bike", "bing", "bingo", "bio", "biz", "bj", "black",
    "blackfriday", "blockbuster", "blog", "bloomberg", "blue", "bm", "bms", "bmw", "bn",
    "bnpparibas", "bo", "boats", "boehringer", "bofa", "bom", "bond", "boo", "book", "booking",
    "bosch", "bostik", "boston", "bot", "boutique", "box", "br", "bradesco", "bridgestone",
    "broadway", "broker", "brother", "brussels", "bs", "bt", "build", "builders", "business",
    "buy", "buzz", "bv", "bw", "by", "bz", "bzh", "ca", "cab", "cafe", "cal", "call",
    "calvinklein", "cam", "camera", "camp", "canon", "capetown", "capital", "capitalone", "car",
    "caravan", "cards", "care", "career", "careers", "cars", "casa", "case", "cash", "casino",
    "cat", "catering", "catholic", "cba", "cbn", "cbre", "cbs", "cc", "cd", "center", "ceo",
    "cern", "cf", "cfa", "cfd", "cg", "ch", "chanel", "channel", "charity", "chase", "chat",
    "cheap", "chintai", "christmas", "chrome", "church", "ci", "cipriani", "circle", "cisco",
    "citadel", "citi", "citic", "city", "cityeats", "ck", "cl", "claims", "cleaning", "click",
    "clinic", "clinique", "clothing", "cloud", "club", "clubmed", "cm", "cn", "co", "coach",
    "codes", "coffee", "college", "cologne", "com", "comcast", "commbank", "community", "company",
    "compare", "computer", "comsec", "condos", "construction", "consulting", "contact",
    "contractors", "cooking", "cookingchannel", "cool", "coop", "corsica", "country", "coupon",
    "coupons", "courses", "cpa", "cr", "credit", "creditcard", "creditunion", "cricket", "crown",
    "crs", "cruise", "cruises", "cu", "cuisinella", "cv", "cw", "cx", "cy", "cymru", "cyou", "cz",
    "dabur", "dad", "dance", "data", "date", "dating", "datsun", "day", "dclk", "dds", "de",
    "deal", "dealer", "deals", "degree", "delivery", "dell", "deloitte", "delta", "democrat",
    "dental", "dentist", "desi", "design", "dev", "dhl", "diamonds", "diet", "digital", "direct",
    "directory", "discount", "discover", "dish", "diy", "dj", "dk", "dm", "dnp", "do", "docs",
    "doctor", "dog", "domains", "dot", "download", "drive", "dtv", "dubai", "dunlop", "dupont",
    "durban", "dvag", "dvr", "dz", "earth", "eat", "ec", "eco", "edeka", "edu", "education", "ee",
    "eg", "email", "emerck", "energy", "engineer", "engineering", "enterprises", "epson",
    "equipment", "er", "ericsson", "erni", "es", "esq", "estate", "et", "etisalat", "eu",
    "eurovision", "eus", "events", "exchange", "expert", "exposed", "express", "extraspace",
    "fage", "fail", "fairwinds", "faith", "family", "fan", "fans", "farm", "farmers", "fashion",
    "fast", "fedex", "feedback", "ferrari", "ferrero", "fi", "fiat", "fidelity", "fido", "film",
    "final", "finance", "financial", "fire", "firestone", "firmdale", "fish", "fishing", "fit",
    "fitness", "fj", "fk", "flickr", "flights", "flir", "florist", "flowers", "fly", "fm", "fo",
    "foo", "food", "foodnetwork", "football", "ford", "forex", "forsale", "forum", "foundation",
    "fox", "fr", "free", "fresenius", "frl", "frogans", "frontdoor", "frontier", "ftr", "fujitsu",
    "fun", "fund", "furniture", "futbol", "fyi", "ga", "gal", "gallery", "gallo", "gallup", "game",
    "games", "gap", "garden", "gay", "gb", "gbiz", "gd", "gdn", "ge", "gea", "gent", "genting",
    "george", "gf", "gg", "ggee", "gh", "gi", "gift", "gifts", "gives", "giving", "gl", "glass",
    "gle", "global", "globo", "gm", "gmail", "gmbh", "gmo", "gmx", "gn", "godaddy", "gold",
    "goldpoint", "golf", "goo", "goodyear", "goog", "google", "gop", "got", "gov", "gp", "gq",
    "gr", "grainger", "graphics", "gratis", "green", "gripe", "grocery", "group", "gs", "gt", "gu",
    "guardian", "gucci", "guge", "guide", "guitars", "guru", "gw", "gy", "hair", "hamburg",
    "hangout", "haus", "hbo", "hdfc", "hdfcbank", "health", "healthcare", "help", "helsinki",
    "here", "hermes", "hgtv", "hiphop", "hisamitsu", "hitachi", "hiv", "hk", "hkt", "hm", "hn",
    "hockey", "holdings", "holiday", "homedepot", "homegoods", "homes", "homesense", "honda",
    "horse", "hospital", "host", "hosting", "hot", "hoteles", "hotels", "hotmail", "house", "how",
    "hr", "hsbc", "ht", "hu", "hughes", "hyatt", "hyundai", "ibm", "icbc", "ice", "icu", "id",
    "ie", "ieee", "ifm", "ikano", "il", "im", "imamat", "imdb", "immo", "immobilien", "in", "inc",
    "industries", "infiniti", "info", "ing", "ink", "institute", "insurance", "insure", "int",
    "international", "intuit", "investments", "io", "ipiranga", "iq", "ir", "irish", "is",
    "ismaili", "ist", "istanbul", "it", "itau", "itv", "jaguar", "java", "jcb", "je", "jeep",
    "jetzt", "jewelry", "jio", "jll", "jm", "jmp", "jnj", "jo", "jobs", "joburg", "jot", "joy",
    "jp", "jpmorgan", "jprs", "juegos", "juniper", "kaufen", "kddi", "ke", "kerryhotels",
    "kerrylogistics", "kerryproperties", "kfh", "kg", "kh", "ki", "kia", "kids", "kim", "kinder",
    "kindle", "kitchen", "kiwi", "km", "kn", "koeln", "komatsu", "kosher", "kp", "kpmg", "kpn",
    "kr", "krd", "kred", "kuokgroup", "kw", "ky", "kyoto", "kz", "la", "lacaixa", "lamborghini",
    "lamer", "lancaster", "lancia", "land", "landrover", "lanxess", "lasalle", "lat", "latino",
    "latrobe", "law", "lawyer", "lb", "lc", "lds", "lease", "leclerc", "lefrak", "legal", "lego",
    "lexus", "lgbt", "li", "lidl", "life", "lifeinsurance", "lifestyle", "lighting", "like",
    "lilly", "limited", "limo", "lincoln", "linde", "link", "lipsy", "live", "living", "lk", "llc",
    "llp", "loan", "loans", "locker", "locus", "lol", "london", "lotte", "lotto", "love", "lpl",
    "lplfinancial", "lr", "ls", "lt", "ltd", "ltda", "lu", "lundbeck", "luxe", "luxury", "lv",
    "ly", "ma", "macys", "madrid", "maif", "maison", "makeup", "man", "management", "mango", "map",
    "market", "marketing", "markets", "marriott", "marshalls", "maserati", "mattel", "mba", "mc",
    "mckinsey", "md", "me", "med", "media", "meet", "melbourne", "meme", "memorial", "men", "menu",
    "merckmsd", "mg", "mh", "miami", "microsoft", "mil", "mini", "mint", "mit", "mitsubishi", "mk",
    "ml", "mlb", "mls", "mm", "mma", "mn", "mo", "mobi", "mobile", "moda", "moe", "moi", "mom",
    "monash", "money", "monster", "mormon", "mortgage", "moscow", "moto", "motorcycles", "mov",
    "movie", "mp", "mq", "mr", "ms", "msd", "mt", "mtn", "mtr", "mu", "museum", "music", "mutual",
    "mv", "mw", "mx", "my", "mz", "na", "nab", "nagoya", "name", "natura", "navy", "nba", "nc",
    "ne", "nec", "net", "netbank", "netflix", "network", "neustar", "new", "news", "next",
    "nextdirect", "nexus", "nf", "nfl", "ng", "ngo", "nhk", "ni", "nico", "nike", "nikon", "ninja",
    "nissan", "nissay", "nl", "no", "nokia", "northwesternmutual", "norton", "now", "nowruz",
    "nowtv", "np", "nr", "nra", "nrw", "ntt", "nu", "nyc", "nz", "obi", "observer", "office",
    "okinawa", "olayan", "olayangroup", "oldnavy", "ollo", "om", "omega", "one", "ong", "onion",
    "onl", "online", "ooo", "open", "oracle", "orange", "org", "organic", "origins", "osaka",
    "otsuka", "ott", "ovh", "pa", "page", "panasonic", "paris", "pars", "partners", "parts",
    "party", "passagens", "pay", "pccw", "pe", "pet", "pf", "pfizer", "pg", "ph", "pharmacy",
    "phd", "philips", "phone", "photo", "photography", "photos", "physio", "pics", "pictet",
    "pictures", "pid", "pin", "ping", "pink", "pioneer", "pizza", "pk", "pl", "place", "play",
    "playstation", "plumbing", "plus", "pm", "pn", "pnc", "pohl", "poker", "politie", "porn",
    "post", "pr", "pramerica", "praxi", "press", "prime", "pro", "prod", "productions", "prof",
    "progressive", "promo", "properties", "property", "protection", "pru", "prudential", "ps",
    "pt", "pub", "pw", "pwc", "py", "qa", "qpon", "quebec", "quest", "racing", "radio", "re",
    "read", "realestate", "realtor", "realty", "recipes", "red", "redstone", "redumbrella",
    "rehab", "reise", "reisen", "reit", "reliance", "ren", "rent", "rentals", "repair", "report",
    "republican", "rest", "restaurant", "review", "reviews", "rexroth", "rich", "richardli",
    "ricoh", "ril", "rio", "rip", "ro", "rocher", "rocks", "rodeo", "rogers", "room", "rs", "rsvp",
    "ru", "rugby", "ruhr", "run", "rw", "rwe", "ryukyu", "sa", "saarland", "safe", "safety",
    "sakura", "sale", "salon", "samsclub", "samsung", "sandvik", "sandvikcoromant", "sanofi",
    "sap", "sarl", "sas", "save", "saxo", "sb", "sbi", "sbs", "sc", "sca", "scb", "schaeffler",
    "schmidt", "scholarships", "school", "schule", "schwarz", "science", "scot", "sd", "se",
    "search", "seat", "secure", "security", "seek", "select", "sener", "services", "seven", "sew",
    "sex", "sexy", "sfr", "sg", "sh", "shangrila", "sharp", "shaw", "shell", "shia", "shiksha",
    "shoes", "shop", "shopping", "shouji", "show", "showtime", "si", "silk", "sina", "singles",
    "site", "sj", "sk", "ski", "skin", "sky", "skype", "sl", "sling", "sm", "smart", "smile", "sn",
    "sncf", "so", "soccer", "social", "softbank", "software", "sohu", "solar", "solutions", "song",
    "sony", "soy", "spa", "space", "sport", "spot", "sr", "srl", "ss", "st", "stada", "staples",
    "star", "statebank", "statefarm", "stc", "stcgroup", "stockholm", "storage", "store", "stream",
    "studio", "study", "style", "su", "sucks", "supplies", "supply", "support", "surf", "surgery",
    "suzuki", "sv", "swatch", "swiss", "sx", "sy", "sydney", "systems", "sz", "tab", "taipei",
    "talk", "taobao", "target", "tatamotors", "tatar", "tattoo", "tax", "taxi", "tc", "tci", "td",
    "tdk", "team", "tech", "technology", "tel", "temasek", "tennis", "teva", "tf", "tg", "th",
    "thd", "theater", "theatre", "tiaa", "tickets", "tienda", "tiffany", "tips", "tires", "tirol",
    "tj", "tjmaxx", "tjx", "tk", "tkmaxx", "tl", "tm", "tmall", "tn", "to", "today", "tokyo",
    "tools", "top", "toray", "toshiba", "total", "tours", "town", "toyota", "toys", "tr", "trade",
    "trading", "training", "travel", "travelchannel", "travelers", "travelersinsurance", "trust",
    "trv", "tt", "tube", "tui", "tunes", "tushu", "tv", "tvs", "tw", "tz", "ua", "ubank", "ubs",
    "ug", "uk", "unicom", "university", "uno", "uol", "ups", "us", "uy", "uz", "va", "vacations",
    "vana", "vanguard", "vc", "ve", "vegas", "ventures", "verisign", "versicherung", "vet", "vg",
    "vi", "viajes", "video", "vig", "viking", "villas", "vin", "vip", "virgin", "visa", "vision",
    "viva", "vivo", "vlaanderen", "vn", "vodka", "volkswagen", "volvo", "vote", "voting", "voto",
    "voyage", "vu", "vuelos", "wales", "walmart", "walter", "wang", "wanggou", "watch", "watches",
    "weather", "weatherchannel", "webcam", "weber", "website", "wedding", "weibo", "weir", "wf",
    "whoswho", "wien", "wiki", "williamhill", "win", "windows", "wine", "winners", "wme",
    "wolterskluwer", "woodside", "work", "works", "world", "wow", "ws", "wtc", "wtf", "xbox",
    "xerox", "xfinity", "xihuan", "xin", "xn--11b4c3d", "xn--1ck2e1b", "xn--1qqw23a",
    "xn--2scrj9c", "xn--30rr7y", "xn--3bst00m", "xn--3ds443g", "xn--3e0b707e", "xn--3hcrj9c",
    "xn--3pxu8k", "xn--42c2d9a", "xn--45br5cyl", "xn--45brj9c", "xn--45q11c", "xn--4dbrk0ce",
    "xn--4gbrim", "xn--54b7fta0cc", "xn--55qw42g", "xn--55qx5d", "xn--5su34j936bgsg", "xn--5tzm5g",
    "xn--6frz82g", "xn--6qq986b3xl", "xn--80adxhks", "xn--80ao21a", "xn--80aqecdr1a",
    "xn--80asehdb", "xn--80aswg", "xn--8y0a063a", "xn--90a3ac", "xn--90ae", "xn--90ais",
    "xn--9dbq2a", "xn--9et52u", "xn--9krt00a", "xn--b4w605ferd", "xn--bck1b9a5dre4c", "xn--c1avg",
    "xn--c2br7g", "xn--cck2b3b", "xn--cckwcxetd", "xn--cg4bki", "xn--clchc0ea0b2g2a9gcd",
    "xn--czr694b", "xn--czrs0t", "xn--czru2d", "xn--d1acj3b", "xn--d1alf", "xn--e1a4c",
    "xn--eckvdtc9d", "xn--efvy88h", "xn--fct429k", "xn--fhbei", "xn--fiq228c5hs", "xn--fiq64b",
    "xn--fiqs8s", "xn--fiqz9s", "xn--fjq720a", "xn--flw351e", "xn--fpcrj9c3d", "xn--fzc2c9e2c",
    "xn--fzys8d69uvgm", "xn--g2xx48c", "xn--gckr3f0f", "xn--gecrj9c", "xn--gk3at1e",
    "xn--h2breg3eve", "xn--h2brj9c", "xn--h2brj9c8c", "xn--hxt814e", "xn--i1b6b1a6a2e",
    "xn--imr513n", "xn--io0a7i", "xn--j1aef", "xn--j1amh", "xn--j6w193g", "xn--jlq480n2rg",
    "xn--jvr189m", "xn--kcrx77d1x4a", "xn--kprw13d", "xn--kpry57d", "xn--kput3i", "xn--l1acc",
    "xn--lgbbat1ad8j", "xn--mgb2ddes", "xn--mgb9awbf", "xn--mgba3a3ejt", "xn--mgba3a4f16a",
    "xn--mgba3a4fra", "xn--mgba7c0bbn0a", "xn--mgbaakc7dvf", "xn--mgbaam7a8h", "xn--mgbab2bd",
    "xn--mgbah1a3hjkrd", "xn--mgbai9a5eva00b", "xn--mgbai9azgqp6j", "xn--mgbayh7gpa",
    "xn--mgbbh1a", "xn--mgbbh1a71e", "xn--mgbc0a9azcg", "xn--mgbca7dzdo", "xn--mgbcpq6gpa1a",
    "xn--mgberp4a5d4a87g", "xn--mgberp4a5d4ar", "xn--mgbgu82a", "xn--mgbi4ecexp", "xn--mgbpl2fh",
    "xn--mgbqly7c0a67fbc", "xn--mgbqly7cvafr", "xn--mgbt3dhd", "xn--mgbtf8fl", "xn--mgbtx2b",
    "xn--mgbx4cd0ab", "xn--mix082f", "xn--mix891f", "xn--mk1bu44c", "xn--mxtq1m", "xn--ngbc5azd",
    "xn--ngbe9e0a", "xn--ngbrx", "xn--nnx388a", "xn--node", "xn--nqv7f", "xn--nqv7fs00ema",
    "xn--nyqy26a", "xn--o3cw4h", "xn--ogbpf8fl", "xn--otu796d", "xn--p1acf", "xn--p1ai",
    "xn--pgbs0dh", "xn--pssy2u", "xn--q7ce6a", "xn--q9jyb4c", "xn--qcka1pmc", "xn--qxa6a",
    "xn--qxam", "xn--rhqv96g", "xn--rovu88b", "xn--rvc1e0am3e", "xn--s9brj9c", "xn--ses554g",
    "xn--t60b56a", "xn--tckwe", "xn--tiq49xqyj", "xn--unup4y", "xn--vermgensberater-ctb",
    "xn--vermgensberatung-pwb", "xn--vhquv", "xn--vuq861b", "xn--w4r85el8fhu5dnra", "xn--w4rs40l",
    "xn--wgbh1c", "xn--wgbl6a", "xn--xhq521b", "xn--xkc2al3hye2a", "xn--xkc2dl3a5ee0h",
    "xn--y9a3aq", "xn--yfro4i67o", "xn--ygbi2ammx", "xn--zfr164b", "xxx", "xyz", "yachts", "yahoo",
    "yamaxun", "yandex", "ye", "yodobashi", "yoga", "yokohama", "you", "youtube", "yt", "yun",
    "za", "zappos", "zara", "zero", "zip", "zm", "zone", "zuerich", "zw",
};
/* clang-format on */

/* A hash index of tlds, built once per process: the binary search over
 * the 1,490 names took eleven strcmp calls and as many unpredictable
 * branches a look-up (the URI scanner and the header :domain modifier ask
 * for every host). TLD_SLOTS is a power of two, more than twice the names.
 * (util/nameidx does the same for the HTML tag tables, but holds at most
 * NAMEIDX_MAX = 255 names in uint8_t slots.) */
#define N_TLDS (sizeof tlds / sizeof tlds[0])
#define TLD_SLOTS 4096
static uint16_t tld_slot[TLD_SLOTS]; /* name index + 1, 0: empty */
static uint8_t tld_len[N_TLDS];
static pthread_once_t tld_once = PTHREAD_ONCE_INIT;

static uint32_t tld_hash(const char *p, size_t n)
{
    uint64_t h = hash_fnv1a(p, n);
    return (uint32_t)(h ^ (h >> 32));
}

static void tld_build(void)
{
    _Static_assert(2 * N_TLDS < TLD_SLOTS && N_TLDS < UINT16_MAX, "TLD_SLOTS too small");
    for (size_t i = 0; i < N_TLDS; i++) {
        size_t l = strlen(tlds[i]);
        tld_len[i] = (uint8_t)l;
        size_t k = tld_hash(tlds[i], l) & (TLD_SLOTS - 1);
        while (tld_slot[k])
            k = (k + 1) & (TLD_SLOTS - 1);
        tld_slot[k] = (uint16_t)(i + 1);
    }
}

bool urilist_tld_known(const char *p, size_t n)
{
    char buf[64];
    if (n == 0 || n >= sizeof buf) return false;
    /* the name up to a NUL byte, as the C string compared before */
    size_t l = 0;
    while (l < n && p[l]) {
        buf[l] = (char)ch_lower((unsigned char)p[l]);
        l++;
    }
    pthread_once(&tld_once, tld_build);
    for (size_t k = tld_hash(buf, l) & (TLD_SLOTS - 1); tld_slot[k];
         k = (k + 1) & (TLD_SLOTS - 1)) {
        size_t i = (size_t)tld_slot[k] - 1;
        if (tld_len[i] == l && memcmp(tlds[i], buf, l) == 0) return true;
    }
    return false;
}

/* ---------------------------------------------------------------------- */
/* a set of strings (open addressing) */

struct sset {
    const char **k;
    size_t *kl;
    size_t cap, n;
};

/* Returns true when (p,n) was added, false when present. The key is kept
 * by pointer: it must outlive the set. */
static bool sset_add(arena *a, struct sset *s, const char *p, size_t n)
{
    if ((s->n + 1) * 2 > s->cap) {
        size_t nc = s->cap ? s->cap * 2 : 64;
        const char **nk = arena_zalloc(a, nc * sizeof *nk);
        size_t *nl = arena_alloc(a, nc * sizeof *nl);
        for (size_t i = 0; i < s->cap; i++) {
            if (!s->k[i]) continue;
            size_t j = (size_t)hash_fnv1a(s->k[i], s->kl[i]) & (nc - 1);
            while (nk[j])
                j = (j + 1) & (nc - 1);
            nk[j] = s->k[i];
            nl[j] = s->kl[i];
        }
        s->k = nk;
        s->kl = nl;
        s->cap = nc;
    }
    size_t j = (size_t)hash_fnv1a(p, n) & (s->cap - 1);
    while (s->k[j]) {
        if (s->kl[j] == n && memcmp(s->k[j], p, n) == 0) return false;
        j = (j + 1) & (s->cap - 1);
    }
    s->k[j] = p;
    s->kl[j] = n;
    s->n++;
    return true;
}

struct priv {
    struct sset all;  /* the URIs kept */
    struct sset seen; /* raw text URIs already handled */
};

void urilist_init(struct urilist *u, arena *a)
{
    memset(u, 0, sizeof *u);
    u->a = a;
    u->priv = arena_zalloc(a, sizeof(struct priv));
}

/* ---------------------------------------------------------------------- */
/* strings */

struct sbuf {
    arena *a;
    char *p;
    size_t len, cap;
};

static void sb_put(struct sbuf *b, const char *s, size_t n)
{
    if (b->len + n + 1 > b->cap) {
        size_t nc = b->cap ? b->cap * 2 : 64;
        while (nc < b->len + n + 1)
            nc *= 2;
        char *np = arena_alloc(b->a, nc);
        if (b->len) memcpy(np, b->p, b->len);
        b->p = np;
        b->cap = nc;
    }
    if (n) memcpy(b->p + b->len, s, n);
    b->len += n;
    b->p[b->len] = 0;
}

static void sb_putc(struct sbuf *b, char c)
{
    sb_put(b, &c, 1);
}

static char *cat3(arena *a, const char *x, size_t xl, const char *y, size_t yl, const char *z,
                  size_t zl, size_t *out)
{
    char *o = arena_alloc(a, xl + yl + zl + 1);
    memcpy(o, x, xl);
    memcpy(o + xl, y, yl);
    memcpy(o + xl + yl, z, zl);
    o[xl + yl + zl] = 0;
    *out = xl + yl + zl;
    return o;
}

static bool is_ws(unsigned char c)
{
    return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v';
}

static bool is_wordc(unsigned char c)
{
    return ch_is_alnum(c) || c == '_';
}

static const char *find_ci(const char *p, size_t n, const char *lit)
{
    return str_find_ci(p, n, lit);
}

static const char *memchr_c(const char *p, size_t n, char c)
{
    return memchr(p, c, n);
}

/* ---------------------------------------------------------------------- */
/* hosts and domains */

bool urilist_fqdn_valid(const char *p, size_t n)
{
    while (n > 0 && p[n - 1] == '.')
        n--;
    if (n > 253 || n == 0) return false;
    size_t labels = 1;
    for (size_t i = 0; i < n; i++)
        if (p[i] == '.') labels++;
    if (labels < 2) return false;
    size_t cnt = labels;
    size_t i = 0;
    while (i <= n) {
        size_t j = i;
        while (j < n && p[j] != '.')
            j++;
        size_t l = j - i;
        if (l < 1 || l > 63) return false;
        for (size_t k = i; k < j; k++) {
            unsigned char c = ch_lower((unsigned char)p[k]);
            bool ok = (c >= 'a' && c <= 'z') || ch_is_digit(c) || c == '_' || c == '-';
            if (!ok) return false;
            if (c == '-' && (k == i || k == j - 1)) return false;
            if (c == '_' && cnt <= 2) return false;
        }
        cnt--;
        i = j + 1;
    }
    return true;
}

/* RFC 3492 punycode of the code points cp[0..n). */
static bool punycode(const uint32_t *cp, size_t n, struct sbuf *o)
{
    const uint32_t base = 36, tmin = 1, tmax = 26, skew = 38, damp = 700;
    uint32_t nn = 128, delta = 0, bias = 72;
    size_t b = 0;
    for (size_t i = 0; i < n; i++)
        if (cp[i] < 0x80) {
            sb_putc(o, (char)ch_lower((unsigned char)cp[i]));
            b++;
        }
    size_t h = b;
    if (b > 0) sb_putc(o, '-');
    while (h < n) {
        uint32_t m = UINT32_MAX;
        for (size_t i = 0; i < n; i++)
            if (cp[i] >= nn && cp[i] < m) m = cp[i];
        if ((uint64_t)(m - nn) * (h + 1) + delta > UINT32_MAX) return false;
        delta += (m - nn) * (uint32_t)(h + 1);
        nn = m;
        for (size_t i = 0; i < n; i++) {
            if (cp[i] < nn) delta++;
            if (cp[i] == nn) {
                uint32_t q = delta;
                for (uint32_t k = base;; k += base) {
                    uint32_t t = k <= bias ? tmin : k >= bias + tmax ? tmax : k - bias;
                    if (q < t) break;
                    uint32_t d = t + (q - t) % (base - t);
                    sb_putc(o, (char)(d < 26 ? 'a' + d : '0' + d - 26));
                    q = (q - t) / (base - t);
                }
                sb_putc(o, (char)(q < 26 ? 'a' + q : '0' + q - 26));
                /* adapt */
                uint32_t dl = h == b ? delta / damp : delta / 2;
                dl += dl / (uint32_t)(h + 1);
                uint32_t k = 0;
                while (dl > ((base - tmin) * tmax) / 2) {
                    dl /= base - tmin;
                    k += base;
                }
                bias = k + (base - tmin + 1) * dl / (dl + skew);
                delta = 0;
                h++;
            }
        }
        delta++;
        nn++;
    }
    return true;
}

char *urilist_idn_to_ascii(arena *a, const char *p, size_t n, size_t *out_len)
{
    bool ascii = true;
    for (size_t i = 0; i < n; i++)
        if ((unsigned char)p[i] >= 0x80) ascii = false;
    char *o;
    if (ascii || !str_is_utf8(p, n)) {
        o = arena_alloc(a, n + 1);
        for (size_t i = 0; i < n; i++)
            o[i] = (char)ch_lower((unsigned char)p[i]);
        o[n] = 0;
        *out_len = n;
        return o;
    }
    /* decode, map the alternative full stops, punycode each non-ASCII label */
    uint32_t *cp = arena_alloc(a, (n + 1) * sizeof *cp);
    size_t nc = 0;
    for (size_t i = 0; i < n;) {
        size_t k = str_utf8_seqlen((const unsigned char *)p + i, n - i);
        const unsigned char *u = (const unsigned char *)p + i;
        uint32_t c =
            k == 1   ? u[0]
            : k == 2 ? (uint32_t)(u[0] & 0x1F) << 6 | (u[1] & 0x3F)
            : k == 3 ? (uint32_t)(u[0] & 0x0F) << 12 | (uint32_t)(u[1] & 0x3F) << 6 | (u[2] & 0x3F)
                     : (uint32_t)(u[0] & 0x07) << 18 | (uint32_t)(u[1] & 0x3F) << 12 |
                           (uint32_t)(u[2] & 0x3F) << 6 | (u[3] & 0x3F);
        if (c == 0x3002 || c == 0xFF0E || c == 0xFF61) c = '.';
        if (c >= 'A' && c <= 'Z') c |= 0x20;
        cp[nc++] = c;
        i += k ? k : 1;
    }
    struct sbuf o2 = {.a = a};
    sb_put(&o2, "", 0);
    size_t i = 0;
    while (i <= nc) {
        size_t j = i;
        while (j < nc && cp[j] != '.')
            j++;
        bool lab_ascii = true;
        for (size_t k = i; k < j; k++)
            if (cp[k] >= 0x80) lab_ascii = false;
        if (lab_ascii) {
            for (size_t k = i; k < j; k++)
                sb_putc(&o2, (char)cp[k]);
        } else {
            sb_put(&o2, "xn--", 4);
            if (!punycode(cp + i, j - i, &o2)) {
                o = arena_strndup(a, p, n);
                str_lower(o, n);
                *out_len = n;
                return o;
            }
        }
        if (j < nc) sb_putc(&o2, '.');
        i = j + 1;
    }
    *out_len = o2.len;
    return o2.p;
}

bool urilist_domain_valid(arena *a, const char *p, size_t n)
{
    size_t l;
    char *d = urilist_idn_to_ascii(a, p, n, &l);
    for (size_t i = 0; i < l; i++)
        if (is_ws((unsigned char)d[i])) return false;
    const char *dot = NULL;
    for (size_t i = l; i > 0; i--)
        if (d[i - 1] == '.') {
            dot = d + i - 1;
            break;
        }
    if (!dot || dot + 1 == d + l) return false;
    return urilist_tld_known(dot + 1, (size_t)(d + l - dot - 1));
}

/* Mail::SpamAssassin::Constants IS_IP_ADDRESS (v4 without leading zeros,
 * or v6) */
static bool is_ip_address(const char *p, size_t n)
{
    char buf[64];
    if (n == 0 || n >= sizeof buf) return false;
    memcpy(buf, p, n);
    buf[n] = 0;
    unsigned char tmp[16];
    if (memchr(buf, ':', n)) return inet_pton(AF_INET6, buf, tmp) == 1;
    int parts = 0;
    size_t i = 0;
    while (i < n) {
        size_t j = i;
        while (j < n && ch_is_digit((unsigned char)buf[j]))
            j++;
        if (j == i || j - i > 3) return false;
        if (j - i > 1 && buf[i] == '0') return false;
        int v = atoi(buf + i);
        if (v > 255) return false;
        parts++;
        if (j == n) break;
        if (buf[j] != '.') return false;
        i = j + 1;
        if (i == n) return false;
    }
    return parts == 4;
}

/* RegistryBoundaries::uri_to_domain != undef */
static bool uri_has_domain(arena *a, const char *p, size_t n)
{
    char *u = arena_strndup(a, p, n);
    str_lower(u, n);
    size_t l = n;
    if (str_starts_ci(u, l, "javascript:") || str_starts_ci(u, l, "cid:") ||
        str_starts_ci(u, l, "file:"))
        return false;
    const char *h;
    size_t hl;
    if (l >= 7 && memcmp(u, "mailto:", 7) == 0) {
        const char *s = u + 7;
        size_t sl = l - 7;
        const char *q = memchr_c(s, sl, '?');
        if (q) sl = (size_t)(q - s);
        const char *at1 = memchr_c(s, sl, '@');
        if (!at1) return false;
        if (memchr_c(at1 + 1, sl - (size_t)(at1 + 1 - s), '@')) return false;
        h = at1 + 1;
        hl = sl - (size_t)(at1 + 1 - s);
    } else {
        size_t i = 0;
        while (i < l && u[i] >= 'a' && u[i] <= 'z')
            i++;
        if (i > 0 && i < l && u[i] == ':') {
            i++;
            size_t k = 0;
            while (k < 2 && i < l && u[i] == '/') {
                i++;
                k++;
            }
        } else {
            i = 0;
        }
        h = u + i;
        hl = l - i;
        for (size_t k = 0; k < hl; k++)
            if (h[k] == '/' || h[k] == '?' || h[k] == '#') {
                hl = k;
                break;
            }
        for (size_t k = hl; k > 0; k--)
            if (h[k - 1] == '@') {
                h += k;
                hl -= k;
                break;
            }
        size_t k = hl;
        while (k > 0 && ch_is_digit((unsigned char)h[k - 1]))
            k--;
        if (k > 0 && h[k - 1] == ':') hl = k - 1;
    }
    for (size_t k = 0; k + 2 < hl; k++) {
        if (h[k] != '%') continue;
        unsigned char c1 = (unsigned char)h[k + 1], c2 = (unsigned char)h[k + 2];
        int v1 = ch_hexval(c1), v2 = ch_hexval(c2);
        if (v1 < 0 || v2 < 0 || (c2 >= 'A' && c2 <= 'F')) continue;
        int v = v1 * 16 + v2;
        if (v >= 0x21 && v <= 0x7e && !(c1 >= 'A' && c1 <= 'F')) return false;
    }
    size_t al;
    char *host = urilist_idn_to_ascii(a, h, hl, &al);
    if (is_ip_address(host, al)) return true;
    return urilist_fqdn_valid(host, al) && urilist_domain_valid(a, host, al);
}

/* ---------------------------------------------------------------------- */
/* Util::url_encode: decode %XX of printable ASCII but space and DEL, encode
 * controls, space, 8-bit, '"', '%', '<', '>' elsewhere. For a wide (Perl
 * character) string, U+0080..U+00FF encode as their one-byte value and
 * other characters stay as they are. */
static char *url_encode(arena *a, const char *p, size_t n, bool wide, size_t *out)
{
    struct sbuf b = {.a = a};
    sb_put(&b, "", 0);
    for (size_t i = 0; i < n;) {
        unsigned char c = (unsigned char)p[i];
        if (c == '%' && n - i >= 3 && ch_is_xdigit((unsigned char)p[i + 1]) &&
            ch_is_xdigit((unsigned char)p[i + 2])) {
            unsigned char x = (unsigned char)p[i + 1], y = (unsigned char)p[i + 2];
            bool keep = (x == '2' && y == '0') || (x == '7' && (y == 'f' || y == 'F')) ||
                        x == '0' || x == '1' || x == '8' || x == '9' ||
                        (ch_lower(x) >= 'a' && ch_lower(x) <= 'f');
            if (keep || !(x >= '2' && x <= '7')) {
                sb_put(&b, p + i, 3);
            } else {
                sb_putc(&b, (char)(ch_hexval(x) * 16 + ch_hexval(y)));
            }
            i += 3;
            continue;
        }
        if (wide && c >= 0x80) {
            size_t k = str_utf8_seqlen((const unsigned char *)p + i, n - i);
            if (k == 2 && c <= 0xC3) {
                unsigned v = (unsigned)((c & 0x1F) << 6 | ((unsigned char)p[i + 1] & 0x3F));
                char e[8];
                snprintf(e, sizeof e, "%%%02x", v & 0xFFu);
                sb_put(&b, e, 3);
                i += 2;
                continue;
            }
            if (k > 0) {
                sb_put(&b, p + i, k);
                i += k;
                continue;
            }
        }
        if (c <= 0x20 || c >= 0x7F || c == '"' || c == '%' || c == '<' || c == '>') {
            char e[8];
            snprintf(e, sizeof e, "%%%02x", c);
            sb_put(&b, e, 3);
        } else {
            sb_putc(&b, (char)c);
        }
        i++;
    }
    *out = b.len;
    return b.p;
}

static bool has_pct_hex(const char *p, size_t n)
{
    for (size_t i = 0; i + 2 < n; i++)
        if (p[i] == '%' && ch_is_xdigit((unsigned char)p[i + 1]) &&
            ch_is_xdigit((unsigned char)p[i + 2]))
            return true;
    return false;
}

/* ---------------------------------------------------------------------- */
/* Util::uri_list_canonicalize of one URI: the variants, original included */

#define VLIST_MAX 256 /* variants of one input URI */

struct vlist {
    struct mv_text v[VLIST_MAX];
    size_t n;
};

static void vl_push(struct vlist *l, const char *p, size_t n)
{
    for (size_t i = 0; i < l->n; i++)
        if (l->v[i].len == n && memcmp(l->v[i].p, p, n) == 0) return;
    if (l->n < sizeof l->v / sizeof l->v[0]) l->v[l->n++] = (struct mv_text){p, n};
}

/* One dotted chunk of a numeric host as uri_list_canonicalize rewrites it:
 * 0xNN to decimal, then a leading-zero octal number (0NNN) to decimal, then
 * leading zeros dropped ("0." becomes "."). The trailing '.' is kept. */
static void fix_octet(struct sbuf *o, const char *c, size_t n)
{
    char buf[48];
    size_t bl;
    size_t dot = n > 0 && c[n - 1] == '.' ? 1 : 0;
    size_t dn = n - dot;
    if (dn >= 2 && c[0] == '0' && (c[1] == 'x' || c[1] == 'X')) {
        unsigned long long v = 0;
        for (size_t i = 2; i < dn; i++) {
            v = v * 16 + (unsigned)ch_hexval((unsigned char)c[i]);
            if (v > 0xFFFFFFFFFFull) v = 0xFFFFFFFFFFull;
        }
        bl = (size_t)snprintf(buf, sizeof buf, "%llu", v);
    } else {
        bl = dn < sizeof buf - 1 ? dn : sizeof buf - 1;
        memcpy(buf, c, bl);
    }
    size_t z = 0;
    while (z < bl && buf[z] == '0')
        z++;
    size_t dl = bl - z;
    if (z > 0 && dl > 0 && buf[z] >= '1' && buf[z] <= '7' && dl <= (buf[z] <= '3' ? 3u : 2u)) {
        bool octal = true;
        for (size_t i = z; i < bl; i++)
            if (buf[i] < '0' || buf[i] > '7') octal = false;
        if (octal) {
            unsigned v = 0;
            for (size_t i = z; i < bl; i++)
                v = v * 8 + (unsigned)(buf[i] - '0');
            bl = (size_t)snprintf(buf, sizeof buf, "%u", v);
        }
    }
    z = 0;
    while (z < bl && buf[z] == '0')
        z++;
    sb_put(o, buf + z, bl - z);
    if (dot) sb_putc(o, '.');
}

static void ulong_to_ip(unsigned long long v, struct sbuf *o)
{
    /* sprintf "%08lx", then pack H*, unpack CCCC: the first four bytes */
    char hx[32];
    int n = snprintf(hx, sizeof hx, "%08llx", v);
    unsigned char bytes[4] = {0, 0, 0, 0};
    for (int i = 0; i < 4; i++) {
        int hi = 2 * i < n ? ch_hexval((unsigned char)hx[2 * i]) : 0;
        int lo = 2 * i + 1 < n ? ch_hexval((unsigned char)hx[2 * i + 1]) : 0;
        bytes[i] = (unsigned char)(hi * 16 + lo);
    }
    char t[20];
    int tl = snprintf(t, sizeof t, "%u.%u.%u.%u", bytes[0], bytes[1], bytes[2], bytes[3]);
    sb_put(o, t, (size_t)tl);
}

static bool is_ip_chunk(const char *c, size_t n)
{
    if (n >= 3 && c[0] == '0' && (c[1] == 'x' || c[1] == 'X')) {
        for (size_t i = 2; i < n; i++)
            if (!ch_is_xdigit((unsigned char)c[i])) return false;
        return true;
    }
    if (n == 0) return false;
    for (size_t i = 0; i < n; i++)
        if (!ch_is_digit((unsigned char)c[i])) return false;
    return true;
}

/* "&#NN;" (33..126), "&#xNN;" (0x21..0x29, 0x30..0x7E) to characters; the
 * Unicode full stops as entities to '.' */
static char *decode_num_entities(arena *a, const char *p, size_t n, size_t *out)
{
    if (!memchr(p, '&', n)) {
        *out = n;
        return (char *)p;
    }
    struct sbuf b = {.a = a};
    sb_put(&b, "", 0);
    for (size_t i = 0; i < n;) {
        if (p[i] == '&' && n - i >= 4 && p[i + 1] == '#') {
            size_t k = i + 2;
            char xc = p[k];
            bool hex = xc == 'x' || xc == 'X';
            if (hex) k++;
            size_t ds = k;
            unsigned long v = 0;
            while (k < n &&
                   (hex ? ch_is_xdigit((unsigned char)p[k]) : ch_is_digit((unsigned char)p[k]))) {
                if (v < 0x10000000ul)
                    v = v * (hex ? 16u : 10u) + (unsigned long)ch_hexval((unsigned char)p[k]);
                k++;
            }
            if (k > ds && k < n && p[k] == ';') {
                const char *d = p + ds;
                size_t dl = k - ds;
                bool chr = hex ? xc == 'x' && ((v >= 0x21 && v <= 0x29) || (v >= 0x30 && v <= 0x7E))
                               : v >= 33 && v <= 126;
                bool dot =
                    hex ? str_eq_ci(d, dl, "2e") || str_eq_ci(d, dl, "3002") ||
                              str_eq_ci(d, dl, "ff0e") || str_eq_ci(d, dl, "ff61")
                        : (dl == 5 && (memcmp(d, "12290", 5) == 0 || memcmp(d, "65294", 5) == 0 ||
                                       memcmp(d, "65377", 5) == 0));
                if (chr || dot) {
                    sb_putc(&b, chr ? (char)v : '.');
                    i = k + 1;
                    continue;
                }
            }
        }
        sb_putc(&b, p[i]);
        i++;
    }
    *out = b.len;
    return b.p;
}

static void canonicalize(struct urilist *u, const char *in, size_t in_len, bool wide,
                         struct vlist *out)
{
    arena *a = u->a;
    struct mv_text work[URILIST_MAX_EXPAND];
    size_t n_work = 0;
    work[n_work++] = (struct mv_text){in, in_len};
    for (size_t wi = 0; wi < n_work; wi++) {
        /* s/\n//g; trim; s/\r//g */
        const char *p0 = work[wi].p;
        size_t n0 = work[wi].len;
        char *c = arena_alloc(a, n0 + 1);
        size_t cl = 0;
        for (size_t i = 0; i < n0; i++)
            if (p0[i] != '\n') c[cl++] = p0[i];
        size_t b = 0, e = cl;
        while (b < e && is_ws((unsigned char)c[b]))
            b++;
        while (e > b && is_ws((unsigned char)c[e - 1]))
            e--;
        size_t k = 0;
        for (size_t i = b; i < e; i++)
            if (c[i] != '\r') c[k++] = c[i];
        c[k] = 0;
        const char *uri = c;
        size_t ul = k;
        vl_push(out, uri, ul);
        if (ul <= 1 || uri[0] == '#' || uri[0] == '?' || uri[0] == '&' ||
            (uri[0] == '/' && !(ul > 1 && uri[1] == '/')))
            continue;
        /* e-mail */
        const char *colon = memchr_c(uri, ul, ':');
        const char *at = memchr_c(uri, ul, '@');
        bool mail = str_starts_ci(uri, ul, "mailto:") || (at && (!colon || at < colon));
        if (mail) {
            if (at && at > uri) {
                size_t ai = (size_t)(at - uri);
                size_t q = ai + 1;
                while (q < ul && uri[q] != '?')
                    q++;
                if (q < ul && q > ai + 1) vl_push(out, arena_strndup(a, uri, q), q);
                q = ai + 1;
                while (q < ul && uri[q] != '?' && uri[q] != '&')
                    q++;
                if (q < ul && uri[q] == '&' && q > ai + 1)
                    vl_push(out, arena_strndup(a, uri, q), q);
            }
            if (find_ci(uri, ul, "%20")) {
                size_t i = 0;
                if (ul >= 7 && memcmp(uri, "mailto:", 7) == 0) i = 7;
                while (ul - i >= 3 && memcmp(uri + i, "%20", 3) == 0)
                    i += 3;
                size_t j = i;
                while (j < ul && uri[j] != '@')
                    j++;
                if (j > i && j < ul) {
                    size_t h = j + 1;
                    while (h < ul && uri[h] != '?' && uri[h] != '&' && uri[h] != '%')
                        h++;
                    if (h > j + 1) {
                        size_t ol;
                        char *o = cat3(a, "mailto:", 7, uri + i, h - i, "", 0, &ol);
                        vl_push(out, o, ol);
                    }
                }
            }
            {
                /* ^[^?&]*<([^@>]+@[^>]+)> */
                /* the last '<' before any '?' or '&' first: [^?&]* backtracks */
                size_t lim = 0;
                while (lim < ul && uri[lim] != '?' && uri[lim] != '&')
                    lim++;
                for (size_t s = lim; s-- > 0;) {
                    if (uri[s] != '<') continue;
                    size_t j = s + 1;
                    while (j < ul && uri[j] != '@' && uri[j] != '>')
                        j++;
                    if (j == s + 1 || j >= ul || uri[j] != '@') continue;
                    size_t f = j + 1;
                    while (f < ul && uri[f] != '>')
                        f++;
                    if (f < ul && f > j + 1) {
                        size_t ol;
                        char *o = cat3(a, "mailto:", 7, uri + s + 1, f - s - 1, "", 0, &ol);
                        vl_push(out, o, ol);
                        break;
                    }
                }
            }
            continue;
        }
        /* tr{\\}{/}; http:www -> http://www */
        char *nu = arena_alloc(a, ul + 3);
        size_t nl = 0;
        for (size_t i = 0; i < ul; i++)
            nu[nl++] = uri[i] == '\\' ? '/' : uri[i];
        nu[nl] = 0;
        {
            size_t sl = str_starts_ci(nu, nl, "https:")  ? 6
                        : str_starts_ci(nu, nl, "http:") ? 5
                                                         : 0;
            if (sl) {
                size_t sk = 0;
                while (sk < 2 && sl + sk < nl && nu[sl + sk] == '/')
                    sk++;
                if (sk != 2) {
                    char *t = arena_alloc(a, nl + 3);
                    memcpy(t, nu, sl);
                    t[sl] = t[sl + 1] = '/';
                    memcpy(t + sl + 2, nu + sl + sk, nl - sl - sk);
                    nl = nl - sk + 2;
                    t[nl] = 0;
                    nu = t;
                }
            }
        }
        if (has_pct_hex(nu, nl)) nu = url_encode(a, nu, nl, wide, &nl);
        {
            size_t i = 0;
            while (i < nl && (ch_is_alnum((unsigned char)nu[i]) || nu[i] == '-' || nu[i] == '_'))
                i++;
            if (!(i > 0 && i < nl && nu[i] == ':')) {
                const char *pre = nl >= 4 && memcmp(nu, "ftp.", 4) == 0 ? "ftp://" : "http://";
                nu = cat3(a, pre, strlen(pre), nu, nl, "", 0, &nl);
            }
        }
        {
            size_t sl = str_starts_ci(nu, nl, "https://")  ? 8
                        : str_starts_ci(nu, nl, "http://") ? 7
                                                           : 0;
            if (sl) {
                size_t h = sl;
                while (h < nl && nu[h] != '/' && nu[h] != '?' && nu[h] != '#')
                    h++;
                if (h > sl && h < nl && (nu[h] == '?' || nu[h] == '#'))
                    nu = cat3(a, nu, h, "/", 1, nu + h, nl - h, &nl);
            }
        }
        nu = decode_num_entities(a, nu, nl, &nl);
        if (nl != ul || memcmp(nu, uri, nl) != 0) vl_push(out, nu, nl);

        /* ^(https?://)([^@/?#]*@)?([^/?#:]+)((?::(\d*))?.*)$ */
        size_t pl = str_starts_ci(nu, nl, "https://")  ? 8
                    : str_starts_ci(nu, nl, "http://") ? 7
                                                       : 0;
        if (!pl) continue;
        if (memchr_c(nu, nl, '\n')) continue;
        const char *proto = nu;
        size_t i = pl;
        size_t auth_b = i, auth_l = 0;
        {
            size_t j = i;
            while (j < nl && nu[j] != '@' && nu[j] != '/' && nu[j] != '?' && nu[j] != '#')
                j++;
            if (j < nl && nu[j] == '@') {
                auth_l = j + 1 - i;
                i = j + 1;
            }
        }
        size_t hb = i;
        while (i < nl && nu[i] != '/' && nu[i] != '?' && nu[i] != '#' && nu[i] != ':')
            i++;
        if (i == hb && auth_l) {
            /* ([^@/?#]*@)? gives the '@' back to the host */
            auth_l = 0;
            i = hb = pl;
            while (i < nl && nu[i] != '/' && nu[i] != '?' && nu[i] != '#' && nu[i] != ':')
                i++;
        }
        if (i == hb) continue;
        char *host = arena_strndup(a, nu + hb, i - hb);
        size_t hl = i - hb;
        const char *rest = nu + i;
        size_t rl = nl - i;
        bool proto_http = pl == 7 && memcmp(proto, "http://", 7) == 0;
        size_t port_digits = 0;
        if (rl > 0 && rest[0] == ':')
            while (1 + port_digits < rl && ch_is_digit((unsigned char)rest[1 + port_digits]))
                port_digits++;
        /* no port digits: 80 for "http://" (case-sensitive), else 443 */
        bool has_port = port_digits > 0;
        bool port80 = !has_port ? proto_http : (port_digits == 2 && memcmp(rest + 1, "80", 2) == 0);
        const char *rest_noport = NULL;
        size_t rnl = 0;
        if (has_port) {
            const char *dp = proto_http ? "80" : "443";
            size_t dpl = strlen(dp);
            if (rl >= 1 + dpl && memcmp(rest + 1, dp, dpl) == 0 &&
                (rl == 1 + dpl || !is_wordc((unsigned char)rest[1 + dpl]))) {
                rest_noport = rest + 1 + dpl;
                rnl = rl - 1 - dpl;
                size_t ol;
                char *o = cat3(a, proto, pl, host, hl, rest_noport, rnl, &ol);
                vl_push(out, o, ol);
            } else {
                rest_noport = rest;
                rnl = rl;
            }
        }
        size_t nhl;
        char *nhost = urilist_idn_to_ascii(a, host, hl, &nhl);
        {
            bool differs = nhl != hl;
            for (size_t k2 = 0; !differs && k2 < hl; k2++)
                if (ch_lower((unsigned char)host[k2]) != (unsigned char)nhost[k2]) differs = true;
            if (differs) {
                size_t ol;
                char *o = cat3(a, proto, pl, nhost, nhl, rest, rl, &ol);
                vl_push(out, o, ol);
                if (rest_noport && rnl && !(rnl == 1 && rest_noport[0] == '0')) {
                    o = cat3(a, proto, pl, nhost, nhl, rest_noport, rnl, &ol);
                    vl_push(out, o, ol);
                }
                host = nhost;
                hl = nhl;
            }
        }
        {
            size_t k2 = 0;
            bool ctl = false;
            char *h2 = arena_alloc(a, hl + 1);
            for (size_t j = 0; j < hl; j++) {
                if ((unsigned char)host[j] <= 0x20)
                    ctl = true;
                else
                    h2[k2++] = host[j];
            }
            h2[k2] = 0;
            if (ctl) {
                host = h2;
                hl = k2;
                size_t ol;
                char *o = cat3(a, proto, pl, host, hl, rest, rl, &ol);
                vl_push(out, o, ol);
            }
        }
        /* redirector: the first http(s):/{0,2}[^&#]+ in rest with a dot */
        for (size_t j = 0; j + 5 <= rl; j++) {
            size_t sl = str_starts_ci(rest + j, rl - j, "https:")  ? 6
                        : str_starts_ci(rest + j, rl - j, "http:") ? 5
                                                                   : 0;
            if (!sl) continue;
            size_t e2 = j + sl;
            size_t sk = 0;
            while (sk < 2 && e2 < rl && rest[e2] == '/') {
                e2++;
                sk++;
            }
            size_t f = e2;
            while (f < rl && rest[f] != '&' && rest[f] != '#')
                f++;
            if (f == e2) {
                /* [^&#]+ needs one character: backtrack the slashes */
                if (sk == 0) continue;
                e2--;
                f = e2 + 1;
                while (f < rl && rest[f] != '&' && rest[f] != '#')
                    f++;
            }
            if (memchr_c(rest + j, f - j, '.') && n_work < URILIST_MAX_EXPAND)
                work[n_work++] = (struct mv_text){arena_strndup(a, rest + j, f - j), f - j};
            break;
        }
        {
            /* s/^[^@]+@//gs */
            const char *at2 = memchr_c(host, hl, '@');
            if (at2 && at2 > host) {
                hl -= (size_t)(at2 + 1 - host);
                host = (char *)at2 + 1;
                size_t ol;
                char *o = cat3(a, proto, pl, host, hl, rest, rl, &ol);
                vl_push(out, o, ol);
            }
        }
        {
            size_t e2 = hl;
            while (e2 > 0 && !ch_is_alnum((unsigned char)host[e2 - 1]))
                e2--;
            if (e2 < hl) {
                hl = e2;
                host = arena_strndup(a, host, hl);
                size_t ol;
                char *o = cat3(a, proto, pl, host, hl, rest, rl, &ol);
                vl_push(out, o, ol);
            }
        }
        /* IP forms */
        {
            const char *ch[4];
            size_t chl[4];
            size_t nch = 0, s2 = 0;
            bool four = true;
            for (size_t j = 0; j <= hl && four; j++) {
                if (j == hl || host[j] == '.') {
                    if (nch >= 4) {
                        four = false;
                        break;
                    }
                    ch[nch] = host + s2;
                    chl[nch] = j - s2;
                    if (!is_ip_chunk(ch[nch], chl[nch])) four = false;
                    nch++;
                    s2 = j + 1;
                }
            }
            bool all_digits = hl > 0;
            for (size_t j = 0; j < hl; j++)
                if (!ch_is_digit((unsigned char)host[j])) all_digits = false;
            bool hexhost = hl >= 3 && host[0] == '0' && (host[1] == 'x' || host[1] == 'X') &&
                           is_ip_chunk(host, hl);
            if (four && nch == 4) {
                struct sbuf o = {.a = a};
                sb_put(&o, proto, pl);
                for (size_t j = 0; j < 4; j++)
                    fix_octet(&o, ch[j], chl[j] + (j < 3 ? 1 : 0));
                sb_put(&o, rest, rl);
                vl_push(out, o.p, o.len);
            } else if (hexhost) {
                size_t d0 = hl > 10 ? hl - 8 : 2;
                unsigned long long v = 0;
                for (size_t j = d0; j < hl; j++)
                    v = v * 16 + (unsigned)ch_hexval((unsigned char)host[j]);
                struct sbuf o = {.a = a};
                sb_put(&o, proto, pl);
                ulong_to_ip(v, &o);
                sb_put(&o, rest, rl);
                vl_push(out, o.p, o.len);
            } else if (all_digits) {
                unsigned long long v = 0;
                for (size_t j = 0; j < hl; j++) {
                    v = v * 10 + (unsigned)(host[j] - '0');
                    if (v > 0xFFFFFFFFFFFFull) v = 0xFFFFFFFFFFFFull;
                }
                struct sbuf o = {.a = a};
                sb_put(&o, proto, pl);
                ulong_to_ip(v, &o);
                sb_put(&o, rest, rl);
                vl_push(out, o.p, o.len);
            } else if (proto_http && auth_l == 0 && port80 &&
                       !(nhl == 9 && memcmp(nhost, "localhost", 9) == 0)) {
                /* http://foobar -> http://www.foobar.com */
                const char *nb = nhost;
                size_t nbl = nhl;
                if (nbl >= 4 && memcmp(nb, "www.", 4) == 0 && !memchr_c(nb + 4, nbl - 4, '.')) {
                    nb += 4;
                    nbl -= 4;
                }
                if (nbl > 0 && !memchr_c(nb, nbl, '.') && !urilist_domain_valid(a, nhost, nhl)) {
                    struct sbuf o = {.a = a};
                    sb_put(&o, "http://www.", 11);
                    sb_put(&o, nb, nbl);
                    sb_put(&o, ".com", 4);
                    sb_put(&o, rest, rl);
                    vl_push(out, o.p, o.len);
                }
            }
        }
        (void)auth_b;
    }
}

/* ---------------------------------------------------------------------- */
/* adding */

static void keep(struct urilist *u, const char *p, size_t n)
{
    struct priv *pv = u->priv;
    if (u->n >= URILIST_MAX) return;
    if (n > 8192) n = 8192; /* MAX_URI_LENGTH */
    char *c = arena_strndup(u->a, p, n);
    if (!sset_add(u->a, &pv->all, c, n)) return;
    u->v = arena_grow(u->a, u->v, &u->cap, u->n + 1, sizeof *u->v);
    u->v[u->n++] = (struct mv_text){c, n};
}

/* PerMsgStatus::add_uri_detail_list: canonicalise, and with valid_domain
 * keep nothing unless one variant has a domain */
static void add_detail(struct urilist *u, const char *p, size_t n, bool wide, bool valid_domain)
{
    struct vlist vls; /* 4 KB on the stack, not per URI in the arena */
    struct vlist *vl = &vls;
    vl->n = 0;
    canonicalize(u, p, n, wide, vl);
    if (valid_domain) {
        bool any = false;
        for (size_t i = 0; i < vl->n && !any; i++) {
            size_t l = vl->v[i].len > 8192 ? 8192 : vl->v[i].len;
            any = uri_has_domain(u->a, vl->v[i].p, l);
        }
        if (!any) return;
    }
    for (size_t i = 0; i < vl->n; i++)
        keep(u, vl->v[i].p, vl->v[i].len);
}

void urilist_add_html(struct urilist *u, const char *p, size_t len, bool wide)
{
    add_detail(u, p, len, wide, false);
}

/* ---------------------------------------------------------------------- */
/* the text scanner (_tbirdurire) */

/* character classes of the scanner's regex pieces, one bit each */
enum {
    C_ED = 1,     /* $tbirdenddelim: ><"`}]{[| white space ESC NBSP */
    C_EDE = 2,    /* with it, $tbirdenddelimemail: ,(' and bytes >= 0x80 */
    C_AT = 4,     /* with both, $tbirdenddelimplusat: @ */
    C_SD = 8,     /* $tbirdstartdelim: ><"'`,{[(| white space ESC NBSP */
    C_SCD = 16,   /* the schemeless start: punctuation, white space, ESC, NBSP */
    C_HOST = 32,  /* [a-z\d._-] */
    C_LABEL = 64, /* [a-z\d-] */
    C_WORD = 128, /* \w in bytes: [A-Za-z0-9_] */
};

/* clang-format off */
static const unsigned char cclass[256] = {
    0, 0, 0, 0, 0, 0, 0, 0, 0, 25, 25, 25, 25, 25, 0, 0,
    0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 25, 0, 0, 0, 0,
    25, 16, 25, 16, 16, 0, 16, 26, 26, 16, 16, 16, 26, 96, 32, 16,
    224, 224, 224, 224, 224, 224, 224, 224, 224, 224, 16, 16, 25, 16, 25, 16,
    20, 224, 224, 224, 224, 224, 224, 224, 224, 224, 224, 224, 224, 224, 224, 224,
    224, 224, 224, 224, 224, 224, 224, 224, 224, 224, 224, 25, 16, 17, 16, 160,
    25, 224, 224, 224, 224, 224, 224, 224, 224, 224, 224, 224, 224, 224, 224, 224,
    224, 224, 224, 224, 224, 224, 224, 224, 224, 224, 224, 25, 25, 17, 16, 0,
    2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2,
    2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2,
    27, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2,
    2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2,
    2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2,
    2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2,
    2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2,
    2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2,
};
/* clang-format on */

static bool end_delim(unsigned char c)
{
    return cclass[c] & C_ED;
}
static bool start_delim(unsigned char c)
{
    return cclass[c] & C_SD;
}
static bool sc_start_delim(unsigned char c)
{
    return cclass[c] & C_SCD;
}

enum tkind { T_SCHEME, T_MAIL, T_SCHEMELESS };

struct tmatch {
    enum tkind kind;
    size_t end;
    size_t host_end; /* schemeless: end of host.tld */
};

/* how many bytes from p on have none of the class bits `stop` (at most
 * cap + 1, like a {1,cap} quantifier's probe) */
static size_t run_until(const char *s, size_t n, size_t p, unsigned stop, size_t cap)
{
    size_t k = 0;
    while (p + k < n && !(cclass[(unsigned char)s[p + k]] & stop) && k <= cap)
        k++;
    return k;
}

/* how many bytes from p on all have the class bit `keep` (at most cap + 1) */
static size_t run_while(const char *s, size_t n, size_t p, unsigned keep, size_t cap)
{
    size_t k = 0;
    while (p + k < n && (cclass[(unsigned char)s[p + k]] & keep) && k <= cap)
        k++;
    return k;
}

static bool schemeless_tail(const char *s, size_t n, size_t q, size_t *end)
{
    size_t dots[2];
    size_t nd = 0;
    if (q < n && s[q] == '.') dots[nd++] = q + 1;
    dots[nd++] = q;
    for (size_t di = 0; di < nd; di++) {
        size_t d = dots[di];
        size_t ports[7];
        size_t np = 0;
        if (d < n && s[d] == ':') {
            size_t k = 0;
            while (d + 1 + k < n && ch_is_digit((unsigned char)s[d + 1 + k]))
                k++;
            for (size_t j = k < 5 ? k : 5; j >= 1; j--)
                ports[np++] = d + 1 + j;
        }
        ports[np++] = d;
        for (size_t pi = 0; pi < np; pi++) {
            size_t pt = ports[pi];
            if (pt < n && s[pt] == '/') {
                size_t r = run_until(s, n, pt + 1, C_ED, 2048);
                if (r >= 1 && r <= 2048) {
                    *end = pt + 1 + r;
                    return true;
                }
            }
            if (pt == n || end_delim((unsigned char)s[pt])) {
                *end = pt;
                return true;
            }
        }
    }
    return false;
}

/* at: the first '@' at or after p (n: none) */
static bool match_at(const char *s, size_t n, size_t p, size_t at, struct tmatch *m)
{
    /* known scheme */
    size_t q = 0;
    unsigned char c0 = ch_lower((unsigned char)s[p]);
    if (c0 == 'h') {
        if (str_starts_ci(s + p, n - p, "https://"))
            q = p + 8;
        else if (str_starts_ci(s + p, n - p, "http://"))
            q = p + 7;
    } else if (c0 == 'f') {
        if (str_starts_ci(s + p, n - p, "ftp://"))
            q = p + 6;
        else if (str_starts_ci(s + p, n - p, "ftp."))
            q = p + 4;
    } else if (c0 == 'w' && str_starts_ci(s + p, n - p, "www")) {
        size_t d = 0;
        while (d < 2 && p + 3 + d < n && ch_is_digit((unsigned char)s[p + 3 + d]))
            d++;
        if (p + 3 + d < n && s[p + 3 + d] == '.') q = p + 4 + d;
    }
    if (q) {
        size_t r = run_until(s, n, q, C_ED, 2048);
        if (r >= 1 && r <= 2048) {
            m->kind = T_SCHEME;
            m->end = q + r;
            return true;
        }
    }
    /* mail */
    if (c0 == 'm' && str_starts_ci(s + p, n - p, "mailto:")) {
        size_t r = run_until(s, n, p + 7, C_ED | C_EDE, 2048);
        if (r >= 1 && r <= 2048) {
            m->kind = T_MAIL;
            m->end = p + 7 + r;
            return true;
        }
    }
    if (at < n && at - p <= 251) {
        size_t l = run_until(s, n, p, C_ED | C_EDE | C_AT, 251);
        if (l >= 1 && l <= 251 && p + l < n && s[p + l] == '@') {
            size_t d = run_until(s, n, p + l + 1, C_ED | C_EDE, 251);
            if (d >= 1 && d <= 251) {
                m->kind = T_MAIL;
                m->end = p + l + 1 + d;
                return true;
            }
        }
    }
    /* schemeless: [a-z\d][a-z\d._-]{0,251}\.TLD ... */
    if (p > 0 && !sc_start_delim((unsigned char)s[p - 1])) return false;
    if (p >= n || !ch_is_alnum((unsigned char)s[p])) return false;
    size_t h = 1 + run_while(s, n, p + 1, C_HOST, 251);
    if (h > 252) h = 252;
    /* the dots of s[p+1 .. p+h], last first (memrchr: most words have none) */
    size_t top = p + h < n ? p + h : n - 1;
    for (const char *d = top > p ? memrchr(s + p + 1, '.', top - p) : NULL; d;
         d = (size_t)(d - s) > p + 1 ? memrchr(s + p + 1, '.', (size_t)(d - s) - p - 1) : NULL) {
        size_t dp = (size_t)(d - s);
        size_t t = run_while(s, n, dp + 1, C_LABEL, 64);
        if (t == 0 || !urilist_tld_known(s + dp + 1, t)) continue;
        size_t qe = dp + 1 + t;
        if (qe + 1 < n && s[qe] == '.' && ch_is_alnum((unsigned char)s[qe + 1])) continue;
        size_t end;
        if (schemeless_tail(s, n, qe, &end)) {
            m->kind = T_SCHEMELESS;
            m->end = end;
            m->host_end = qe;
            return true;
        }
    }
    return false;
}

static bool start_ok(const char *s, size_t n, size_t p)
{
    bool wl = p > 0 && (cclass[(unsigned char)s[p - 1]] & C_WORD);
    bool wr = p < n && (cclass[(unsigned char)s[p]] & C_WORD);
    if (wl != wr) return true;
    if (p >= 3 && s[p - 3] == 0x1B && s[p - 2] == '(' && s[p - 1] != '\n') return true;
    return p > 0 && start_delim((unsigned char)s[p - 1]);
}

/* mailto: host after url decoding: /\@([^?&>]*)/, trailing %20s dropped */
static bool mailto_host_ok(arena *a, const char *u, size_t n)
{
    const char *at = memchr_c(u, n, '@');
    if (!at) return false;
    size_t i = (size_t)(at + 1 - u), j = i;
    while (j < n && u[j] != '?' && u[j] != '&' && u[j] != '>')
        j++;
    while (j - i >= 3 && memcmp(u + j - 3, "%20", 3) == 0)
        j -= 3;
    return urilist_domain_valid(a, u + i, j - i);
}

static void text_uri(struct urilist *u, const char *s, const struct tmatch *m, size_t st)
{
    arena *a = u->a;
    struct priv *pv = u->priv;
    const char *r = s + st;
    size_t rl = m->end - st;
    /* s/(^[^(]*)\).*$/$1/ */
    {
        size_t fp = 0;
        while (fp < rl && r[fp] != '(')
            fp++;
        for (size_t k = fp; k > 0; k--)
            if (r[k - 1] == ')') {
                rl = k - 1;
                break;
            }
    }
    while (rl > 0 && strchr("-~!@#^&*()_+=:;'?,.", r[rl - 1]) && r[rl - 1] != 0)
        rl--;
    char *raw = arena_strndup(a, r, rl);
    if (!sset_add(a, &pv->seen, raw, rl)) return;
    if (m->kind == T_MAIL && !memchr_c(raw, rl, '@')) return;
    if (m->kind == T_SCHEMELESS && !urilist_fqdn_valid(s + st, m->host_end - st)) return;
    if (str_starts_ci(raw, rl, "cid:") || str_starts_ci(raw, rl, "mid:")) return;
    {
        size_t k = 0;
        while (k < rl && is_wordc((unsigned char)raw[k]))
            k++;
        if (k > 0 && k < rl && raw[k] == ':') {
            size_t j = k + 1, sl = 0;
            while (j < rl && raw[j] == '/' && sl < 2) {
                j++;
                sl++;
            }
            if (j == rl) return;
        }
    }
    const char *uri = raw;
    size_t ul = rl;
    if (!(str_starts_ci(raw, rl, "http:") || str_starts_ci(raw, rl, "https:") ||
          str_starts_ci(raw, rl, "ftp:") || str_starts_ci(raw, rl, "mailto:"))) {
        bool www = false;
        if (str_starts_ci(raw, rl, "www")) {
            size_t d = 3;
            while (d < 5 && d < rl && ch_is_digit((unsigned char)raw[d]))
                d++;
            www = d < rl && raw[d] == '.';
        }
        const char *slash = memchr_c(raw, rl, '/');
        const char *last_at = NULL;
        for (size_t k = rl; k > 0; k--)
            if (raw[k - 1] == '@') {
                last_at = raw + k - 1;
                break;
            }
        if (str_starts_ci(raw, rl, "ftp.")) {
            uri = cat3(a, "ftp://", 6, raw, rl, "", 0, &ul);
        } else if (www) {
            uri = cat3(a, "http://", 7, raw, rl, "", 0, &ul);
        } else if (slash && last_at && last_at > slash + 1) {
            /* m{/.+\@}: no e-mail address has a '/' before its '@' */
            uri = cat3(a, "http://", 7, raw, rl, "", 0, &ul);
        } else if (last_at) {
            /* \@.+?\. : a dot after the first '@', not right after it */
            const char *at3 = memchr_c(raw, rl, '@');
            size_t ai = (size_t)(at3 - raw);
            if (!(ai + 2 < rl && memchr_c(raw + ai + 2, rl - ai - 2, '.'))) return;
            if (str_find_ci(raw, rl, "&nbsp;")) return;
            /* s/^(?:skype|e?-?mail)?:+//i */
            size_t k = 0;
            if (str_starts_ci(raw, rl, "skype")) {
                k = 5;
            } else {
                size_t j = 0;
                if (j < rl && (raw[j] == 'e' || raw[j] == 'E')) j++;
                if (j < rl && raw[j] == '-') j++;
                if (str_starts_ci(raw + j, rl - j, "mail")) k = j + 4;
            }
            if (!(k < rl && raw[k] == ':')) k = 0;
            while (k < rl && raw[k] == ':')
                k++;
            uri = cat3(a, "mailto:", 7, raw + k, rl - k, "", 0, &ul);
        } else {
            if (!memchr_c(raw, rl, '.')) return;
            uri = cat3(a, "http://", 7, raw, rl, "", 0, &ul);
        }
    }
    if (str_starts_ci(uri, ul, "mailto:")) {
        if (has_pct_hex(uri, ul)) uri = url_encode(a, uri, ul, false, &ul);
        if (!mailto_host_ok(a, uri, ul)) return;
    }
    add_detail(u, uri, ul, false, true);
}

void urilist_add_text(struct urilist *u, const struct mv_text *lines, size_t n)
{
    for (size_t li = 0; li < n; li++) {
        const char *s = lines[li].p;
        size_t len = lines[li].len;
        /* every URI form needs a '.', an '@' or a ':' */
        if (!memchr(s, '.', len) && !memchr(s, '@', len) && !memchr(s, ':', len)) continue;
        size_t pos = 0, at = 0;
        while (pos < len) {
            size_t p = pos;
            struct tmatch m;
            bool found = false;
            for (; p < len; p++) {
                if (p >= 2 && (cclass[(unsigned char)s[p]] & C_WORD) &&
                    (cclass[(unsigned char)s[p - 1]] & C_WORD) &&
                    (cclass[(unsigned char)s[p - 2]] & C_WORD)) {
                    /* inside a word, past its first two bytes, start_ok
                     * fails: \b needs a non-word byte beside, the ESC form
                     * a '(' two bytes back, and no word byte is a start
                     * delimiter. Skip to the word's last byte. */
                    while (p + 1 < len && (cclass[(unsigned char)s[p + 1]] & C_WORD))
                        p++;
                    continue;
                }
                if (!start_ok(s, len, p)) continue;
                if (at < p || (at == 0 && p == 0)) {
                    const char *x = memchr(s + p, '@', len - p);
                    at = x ? (size_t)(x - s) : len;
                }
                if (match_at(s, len, p, at, &m)) {
                    found = true;
                    break;
                }
            }
            if (!found) break;
            text_uri(u, s, &m, p);
            pos = m.end > p ? m.end : p + 1;
        }
    }
}
