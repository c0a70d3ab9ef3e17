#!/usr/bin/perl
# sa-oracle.pl — SpamAssassin as an oracle for the accuracy comparison and the
# rules benchmark: the Mail::SpamAssassin API in ONE process, rules loaded
# once, then every message checked in turn.
#
# Configuration is what `spamassassin -t -L` uses with Bayes, the
# auto-welcomelist and every network test off:
#   - system rules from --rules (default /usr/share/spamassassin), site rules
#     and the *.pre plugin loaders from --site (default /etc/spamassassin),
#     exactly as the spamassassin script passes them (rules_filename,
#     site_rules_filename), so local.cf and the installed default plugin set
#     (including Rule2XSBody when sa-compile has run) apply;
#   - local_tests_only => 1 (what -L sets): score set 0, no DNS, no
#     Razor/Pyzor/DCC/HashBL lookups;
#   - no user preferences file (init(0)), none created (dont_copy_prefs);
#   - post_config_text switching off Bayes, auto-learn, the auto-welcomelist,
#     TxRep, RBL checks and the collaborative filters (each plugin option only
#     inside `ifplugin`, so no "failed to parse" warning when it is absent).
#
# Output, one line per message on stdout:
#   FILE <TAB> SCORE <TAB> RULE,RULE,...
# listing every rule that hit: the scored ones (get_names_of_tests_hit) and the
# "__" sub-rules (get_names_of_subtests_hit), sorted, without duplicates.
#
# --rules-out FILE writes, once, every rule SpamAssassin compiled, one a line:
#   NAME <TAB> KIND <TAB> SCORE <TAB> TFLAGS
# KIND is header, body, rawbody, full, uri, mimeheader (plain regex rules),
# meta, or eval:header / eval:body / eval:rawbody / eval:full / eval:rbl for
# eval rules; SCORE is the active (set 0) score: 0 means SpamAssassin never
# runs the rule.
#
# --fork checks each message in a child forked from the loaded, compiled
# SpamAssassin (compile_now, as spamd does before forking): every message is
# then judged as the first one of a fresh process, like `spamassassin -t -L`
# per message. Without it the results of capture-template rules (SpamAssassin
# 4 "%{NAME}" in a regex, e.g. GB_CUSTOM_HTM_URI) depend on the messages seen
# before in the same process: 4.0.1 keeps the first message's captured value.
# The accuracy comparison uses --fork; the benchmark measures the plain loop.
#
# Usage: sa-oracle.pl [--rules DIR] [--site DIR] [--rules-out FILE]
#                     [--files-from FILE|-] [--fork] [--quiet] [FILE...]
use strict;
use warnings;
use Getopt::Long;
use Mail::SpamAssassin;
use POSIX ();

my $rules_dir = '/usr/share/spamassassin';
my $site_dir  = '/etc/spamassassin';
my ($rules_out, $files_from, $quiet, $fork);
GetOptions(
    'rules=s'      => \$rules_dir,
    'site=s'       => \$site_dir,
    'rules-out=s'  => \$rules_out,
    'files-from=s' => \$files_from,
    'quiet'        => \$quiet,
    'fork'         => \$fork,
) or die "usage: $0 [--rules DIR] [--site DIR] [--rules-out FILE] [--files-from FILE] [--quiet] FILE...\n";

my $post = join("\n",
    'use_bayes 0',
    'use_bayes_rules 0',
    'bayes_auto_learn 0',
    'use_auto_welcomelist 0',
    'skip_rbl_checks 1',
    'ifplugin Mail::SpamAssassin::Plugin::TxRep',
    'use_txrep 0',
    'endif',
    'ifplugin Mail::SpamAssassin::Plugin::Razor2',
    'use_razor2 0',
    'endif',
    'ifplugin Mail::SpamAssassin::Plugin::Pyzor',
    'use_pyzor 0',
    'endif',
    'ifplugin Mail::SpamAssassin::Plugin::DCC',
    'use_dcc 0',
    'endif',
    '') ;

my $sa = Mail::SpamAssassin->new({
    rules_filename      => $rules_dir,
    site_rules_filename => $site_dir,
    local_tests_only    => 1,
    dont_copy_prefs     => 1,
    require_rules       => 1,
    post_config_text    => $post,
    PREFIX              => '/usr',
    DEF_RULES_DIR       => '/usr/share/spamassassin',
    LOCAL_RULES_DIR     => '/etc/spamassassin',
    LOCAL_STATE_DIR     => '/var/lib/spamassassin',
});
$sa->init(0);    # no user_prefs: the run depends on nothing in $HOME

# What -t does on top of -L (spamassassin script): no long-term memory.
$sa->{conf}->{use_auto_welcomelist} = 0;
$sa->{conf}->{bayes_auto_learn}     = 0;

# Before compiling: compiling frees the rule source hashes write_rules reads.
write_rules($sa->{conf}, $rules_out) if defined $rules_out;
$sa->compile_now(0, 1) if $fork;

my @files = @ARGV;
if (defined $files_from) {
    my $fh;
    if ($files_from eq '-') { $fh = \*STDIN }
    else { open($fh, '<', $files_from) or die "$files_from: $!\n" }
    while (my $l = <$fh>) { chomp $l; push @files, $l if length $l }
}

$| = 0;
binmode(STDOUT);
for my $file (@files) {
    my $text = slurp($file);
    if (!defined $text) { warn "$file: $!\n"; next; }
    if ($fork) {
        STDOUT->flush();
        my $pid = fork();
        die "fork: $!\n" unless defined $pid;
        if ($pid) {
            waitpid($pid, 0);
            next;
        }
        check_one($file, $text);
        STDOUT->flush();
        POSIX::_exit(0);
    }
    check_one($file, $text);
}
$sa->finish();
exit 0;

sub check_one {
    my ($file, $text) = @_;
    # A message SpamAssassin cannot process is reported on stderr and left out
    # (the comparison lists it as having no SpamAssassin result).
    my $ok = eval {
        my $mail   = $sa->parse($text);
        my $status = $sa->check($mail);
        my %seen;
        my @hits = grep { length && !$seen{$_}++ }
            (split(/,/, $status->get_names_of_tests_hit()),
             split(/,/, $status->get_names_of_subtests_hit()));
        printf "%s\t%.3f\t%s\n", $file, $status->get_score(), join(',', sort @hits)
            unless $quiet;
        $status->finish();
        $mail->finish();
        1;
    };
    warn "$file: $@" unless $ok;
}

sub slurp {
    my ($path) = @_;
    open(my $fh, '<:raw', $path) or return undef;
    local $/;
    my $text = <$fh>;
    close $fh;
    return defined $text ? $text : '';
}

sub write_rules {
    my ($conf, $path) = @_;
    my %kind;
    my %plain = (head_tests => 'header', body_tests => 'body',
                 rawbody_tests => 'rawbody', full_tests => 'full',
                 uri_tests => 'uri');
    my %evals = (head_evals => 'eval:header', body_evals => 'eval:body',
                 rawbody_evals => 'eval:rawbody', full_evals => 'eval:full');
    # Plain and eval rules are grouped by priority: {type}->{priority}->{name}.
    for my $t (keys %plain, keys %evals) {
        my $k = $plain{$t} // $evals{$t};
        for my $prio (keys %{ $conf->{$t} || {} }) {
            $kind{$_} = $k for keys %{ $conf->{$t}->{$prio} };
        }
    }
    $kind{$_} = 'eval:rbl' for keys %{ $conf->{rbl_evals} || {} };
    # mimeheader rules are body evals calling the MIMEHeader plugin's hook.
    $kind{$_} = 'mimeheader' for keys %{ $conf->{mimeheader_tests} || {} };
    # Meta rules: compiled subs in meta_tests (SA 4), or their type.
    for my $name (keys %{ $conf->{test_types} || {} }) {
        next if exists $kind{$name};
        $kind{$name} = 'meta'
            if $conf->{test_types}->{$name} == $Mail::SpamAssassin::Conf::TYPE_META_TESTS;
    }
    open(my $out, '>', $path) or die "$path: $!\n";
    for my $name (sort keys %kind) {
        my $score = $conf->{scores}->{$name} // 0;
        my $tflags = $conf->{tflags}->{$name} // '';
        $tflags =~ s/\s+/ /g;
        print $out join("\t", $name, $kind{$name}, $score, $tflags), "\n";
    }
    close($out) or die "$path: $!\n";
}
