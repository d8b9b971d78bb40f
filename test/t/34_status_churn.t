# The status page reads the scoreboard without locks, so it must stay whole
# while slots change under it: two clients keep statusapp busy and workers are
# killed (slots go BUSY -> EMPTY -> STARTING -> IDLE) while the page is read
# in all three formats. Every answer must be a 200 that parses, and no httpd
# child may die (no AH00052 "exit signal" in the log).
use strict;
use warnings FATAL => 'all';

use FindBin;
use lib "$FindBin::Bin/lib";

use Apache::Test qw(-withtestmore);
use Apache::TestRequest qw(GET);
use HTTP::Tiny ();
use JSON::PP ();
use POSIX ();
use PATest qw(:all);
use PAStatus qw(:all);

my $APP = 'statusapp';
my $base = 'http://' . Apache::TestRequest::hostport();

ok(wait_for(sub { my $a = app_status($APP); $a && $a->{processes}{idle} == 2 }, timeout => 60),
   "$APP: 2 idle workers");
my $offset = error_log_offset();

my @kids;
for my $k (1 .. 2) {
    my $pid = fork;
    die "fork: $!" unless defined $pid;
    if (!$pid) {
        my $ua = HTTP::Tiny->new(timeout => 60);
        $ua->get("$base/$APP/churn$k-$_") for 1 .. 150;
        POSIX::_exit(0);    # not exit: Apache::Test's END blocks are the parent's
    }
    push @kids, $pid;
}

my ($reads, $good, $killed) = (0, 0, 0);
for my $i (1 .. 60) {
    my $fmt = (qw(json metrics html))[$i % 3];
    my $res = GET($fmt eq 'html' ? '/app-status' : "/app-status?$fmt");
    $reads++;
    if ($res->code == 200) {
        if ($fmt eq 'json') {
            $good++ if eval { JSON::PP->new->utf8->decode($res->content) };
        }
        elsif ($fmt eq 'metrics') {
            my (undef, @errors) = parse_metrics($res->content);
            $good++ unless @errors;
            diag("metrics: @errors") if @errors;
        }
        else {
            $good++ if $res->content =~ m{</html>\s*\z};
        }
    }
    if ($i % 15 == 0) {
        my ($victim) = worker_pids($APP);
        $killed += send_signal('KILL', $victim) if $victim;
    }
}
waitpid($_, 0) for @kids;

is($good, $reads, "all $reads reads of the page while slots churned: 200 and well-formed");
cmp_ok($killed, '>', 0, "workers killed meanwhile: $killed");
ok(wait_for(sub { my $a = app_status($APP); $a && $a->{processes}{idle} == 2 }, timeout => 60),
   "$APP settles back to 2 idle workers");
my @deaths = grep { /AH00052|Segmentation fault|exit signal/ } split /\n/, error_log_since($offset);
ok(!@deaths, 'no httpd child died') or diag(join "\n", @deaths);

done_testing();
