package dev.llmwatcher.budget;

import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * What every {@link TokenLedger} must do, whatever keeps it: one abstract suite, one small subclass per
 * implementation (the in-memory fake the engine tests use, the Elasticsearch adapter against the real cluster), so
 * the fake cannot drift from the adapter. Time is passed in with each request, as the drainers' clocks would.
 */
public abstract class TokenLedgerContract {

    protected static final LocalDate DAY = LocalDate.parse("2026-03-01");
    protected static final Instant NOW = Instant.parse("2026-03-01T12:00:00Z");
    private static final Instant UNTIL = NOW.plus(Duration.ofMinutes(5));

    /** The ledger under test, empty. */
    protected abstract TokenLedger ledger();

    /** Another ledger over the same storage, as another process would have it. */
    protected abstract TokenLedger anotherProcess();

    private static LeaseRequest ask(String holder, long limit, long settled, long keep, long need, long want) {
        return new LeaseRequest("gpt-4o-mini", DAY, holder, limit, settled, keep, need, want, UNTIL, NOW);
    }

    private DaySpend spend(TokenLedger ledger, String model, Instant at) {
        return ledger.day(DAY, at).stream().filter(d -> d.model().equals(model)).findFirst()
                .orElse(DaySpend.none(model, DAY));
    }

    @Test
    public void aChunkIsGrantedAndHeldForItsHolder() {
        TokenLedger ledger = ledger();

        Lease lease = ledger.exchange(ask("a", 10_000, 0, 0, 100, 1_000));

        assertThat(lease.refused()).isFalse();
        assertThat(lease.granted()).isEqualTo(1_000);
        assertThat(lease.held()).isEqualTo(1_000);
        assertThat(lease.day().spent()).isZero();
        assertThat(lease.day().held()).isEqualTo(1_000);
        assertThat(spend(ledger, "gpt-4o-mini", NOW)).extracting(DaySpend::held, DaySpend::holders,
                DaySpend::lastLimit).containsExactly(1_000L, 1, 10_000L);
    }

    @Test
    public void holdersTogetherAreNeverGrantedMoreThanTheLimit() {
        TokenLedger ledger = ledger();
        long granted = 0;

        for (int round = 0; round < 20; round++) {
            for (String holder : List.of("a", "b", "c")) {
                granted += ledger.exchange(ask(holder + round, 1_000, 0, 0, 10, 400)).granted();
            }
        }

        assertThat(granted).isLessThanOrEqualTo(1_000).isGreaterThan(1_000 - 3 * 10);
        assertThat(spend(ledger, "gpt-4o-mini", NOW).remaining(1_000)).isGreaterThanOrEqualTo(0);
    }

    @Test
    public void aChunkIsRefusedWhenLessThanTheNeedIsLeftAndTheRefusalIsRemembered() {
        TokenLedger ledger = ledger();
        ledger.exchange(ask("a", 1_000, 0, 0, 950, 950));

        Lease refused = ledger.exchange(ask("b", 1_000, 0, 0, 60, 600));

        assertThat(refused.refused()).isTrue();
        assertThat(refused.granted()).isZero();
        assertThat(refused.held()).isZero();
        DaySpend day = spend(ledger, "gpt-4o-mini", NOW);
        assertThat(day.refusedNeed()).isEqualTo(60);
        assertThat(day.exhausted(1_000)).isTrue();
        assertThat(day.exhausted(2_000)).as("a raised budget leaves room again").isFalse();
    }

    @Test
    public void settledTokensAreSpentAndTheShareIsSetAnewToWhatIsKeptAndGranted() {
        TokenLedger ledger = ledger();
        ledger.exchange(ask("a", 10_000, 0, 0, 100, 1_000));

        Lease lease = ledger.exchange(ask("a", 10_000, 700, 200, 100, 500));

        assertThat(lease.granted()).isEqualTo(500);
        assertThat(lease.held()).isEqualTo(700);
        assertThat(lease.day().spent()).isEqualTo(700);
        assertThat(lease.day().held()).isEqualTo(700);
        assertThat(lease.day().holders()).isEqualTo(1);
    }

    @Test
    public void aRefusedExchangeStillCountsTheTokensItSettles() {
        TokenLedger ledger = ledger();
        ledger.exchange(ask("a", 1_000, 0, 0, 900, 900));

        Lease lease = ledger.exchange(ask("a", 1_000, 900, 0, 200, 200));

        assertThat(lease.refused()).isTrue();
        assertThat(lease.day().spent()).isEqualTo(900);
        assertThat(lease.day().held()).isZero();
    }

    @Test
    public void givingBackEndsTheLeaseExceptForWhatIsKept() {
        TokenLedger ledger = ledger();
        ledger.exchange(ask("a", 10_000, 0, 0, 100, 2_000));

        Lease kept = ledger.exchange(LeaseRequest.giveBack("gpt-4o-mini", DAY, "a", 10_000, 300, 100, UNTIL, NOW));
        Lease ended = ledger.exchange(LeaseRequest.giveBack("gpt-4o-mini", DAY, "a", 10_000, 90, 0, NOW, NOW));

        assertThat(kept.held()).isEqualTo(100);
        assertThat(kept.day().held()).isEqualTo(100);
        assertThat(ended.held()).isZero();
        assertThat(spend(ledger, "gpt-4o-mini", NOW)).extracting(DaySpend::spent, DaySpend::held,
                DaySpend::holders).containsExactly(390L, 0L, 0);
    }

    @Test
    public void aCrashedHoldersShareComesBackWhenItsLeaseEnds() {
        TokenLedger ledger = ledger();
        ledger.exchange(ask("crashed", 1_000, 0, 0, 1_000, 1_000));
        Instant later = UNTIL.plusMillis(1);

        Lease meanwhile = ledger.exchange(ask("b", 1_000, 0, 0, 10, 1_000));
        Lease after = ledger.exchange(new LeaseRequest("gpt-4o-mini", DAY, "b", 1_000, 0, 0, 10, 1_000,
                later.plusSeconds(60), later));

        assertThat(meanwhile.refused()).as("a live lease is not taken by others").isTrue();
        assertThat(after.granted()).isEqualTo(500);
        assertThat(after.day().holders()).isEqualTo(1);
        assertThat(spend(ledger, "gpt-4o-mini", later).held()).isEqualTo(500);
    }

    @Test
    public void chunksShrinkAsTheDaysBudgetRunsOutButNeverBelowTheNeed() {
        TokenLedger ledger = ledger();
        List<Long> grants = new ArrayList<>();

        for (int i = 0; i < 12; i++) {
            Lease lease = ledger.exchange(ask("h" + i, 10_000, 0, 0, 100, 4_000));
            grants.add(lease.granted());
        }

        assertThat(grants.getFirst()).isEqualTo(4_000);
        assertThat(grants).isSortedAccordingTo((a, b) -> Long.compare(b, a));
        assertThat(grants).filteredOn(g -> g > 0).allSatisfy(g -> assertThat(g).isGreaterThanOrEqualTo(100));
        assertThat(grants.stream().mapToLong(Long::longValue).sum()).isLessThanOrEqualTo(10_000);
    }

    @Test
    public void modelsAndDaysAreKeptApart() {
        TokenLedger ledger = ledger();
        String slashed = "meta/llama-3.1-8b-instruct:q4";
        ledger.exchange(ask("a", 1_000, 0, 0, 1_000, 1_000));

        Lease other = ledger.exchange(new LeaseRequest(slashed, DAY, "a", 1_000, 0, 0, 1_000, 1_000, UNTIL, NOW));
        Lease nextDay = ledger.exchange(new LeaseRequest("gpt-4o-mini", DAY.plusDays(1), "a", 1_000, 0, 0, 1_000,
                1_000, UNTIL, NOW));

        assertThat(other.granted()).isEqualTo(1_000);
        assertThat(nextDay.granted()).isEqualTo(1_000);
        assertThat(ledger.day(DAY, NOW)).extracting(DaySpend::model)
                .containsExactlyInAnyOrder("gpt-4o-mini", slashed);
        assertThat(ledger.day(DAY.plusDays(1), NOW)).extracting(DaySpend::model).containsExactly("gpt-4o-mini");
        assertThat(ledger.day(DAY.minusDays(1), NOW)).isEmpty();
    }

    @Test
    public void aModelNameTooLongForAnIdIsStillItsOwnLedger() {
        TokenLedger ledger = ledger();
        String longName = "m".repeat(600);

        ledger.exchange(new LeaseRequest(longName, DAY, "a", 1_000, 0, 0, 10, 10, UNTIL, NOW));
        Lease again = ledger.exchange(new LeaseRequest(longName, DAY, "a", 1_000, 10, 0, 10, 10, UNTIL, NOW));

        assertThat(again.day().spent()).isEqualTo(10);
        assertThat(ledger.day(DAY, NOW)).extracting(DaySpend::model).containsExactly(longName);
    }

    @Test
    public void concurrentExchangesAreNeverGrantedMoreThanTheLimit() throws Exception {
        TokenLedger ledger = ledger();
        int holders = 6;
        try (ExecutorService threads = Executors.newFixedThreadPool(holders)) {
            List<Future<long[]>> results = new ArrayList<>();
            for (int h = 0; h < holders; h++) {
                String holder = "racer-" + h;
                TokenLedger own = h % 2 == 0 ? ledger : anotherProcess();
                Callable<long[]> drain = () -> {
                    long spent = 0;
                    long held = 0;
                    while (true) {
                        Lease lease = own.exchange(new LeaseRequest("gpt-4o-mini", DAY, holder, 3_000, held, 0, 50,
                                150, UNTIL, NOW));
                        spent += held;
                        held = lease.held();
                        if (lease.refused()) {
                            return new long[] {spent};
                        }
                    }
                };
                results.add(threads.submit(drain));
            }
            long spent = 0;
            for (Future<long[]> result : results) {
                spent += result.get()[0];
            }
            DaySpend day = spend(ledger, "gpt-4o-mini", NOW);
            assertThat(day.spent()).isEqualTo(spent);
            assertThat(day.spent() + day.held()).isLessThanOrEqualTo(3_000);
            assertThat(day.spent()).isGreaterThan(3_000 - holders * 50L);
        }
    }

    @Test
    public void aSubmissionsHoldOutlivesTheProcessThatMadeItAndIsSettledByAnother() {
        TokenLedger submitter = ledger();
        Instant window = NOW.plus(Duration.ofHours(25));
        submitter.exchange(new LeaseRequest("gpt-4o-mini", DAY, "batch:sub-1", 10_000, 0, 0, 6_000, 6_000, window,
                NOW));
        Instant nextDay = NOW.plus(Duration.ofHours(20));

        TokenLedger collector = anotherProcess();
        Lease refusedMeanwhile = collector.exchange(new LeaseRequest("gpt-4o-mini", DAY, "cli", 10_000, 0, 0, 5_000,
                5_000, nextDay.plusSeconds(60), nextDay));
        Lease settled = collector.exchange(LeaseRequest.giveBack("gpt-4o-mini", DAY, "batch:sub-1", 10_000,
                Price.BATCH.charge(5_001), 0, nextDay, nextDay));

        assertThat(refusedMeanwhile.refused()).isTrue();
        assertThat(settled.held()).isZero();
        assertThat(settled.day().spent()).isEqualTo(2_501);
        assertThat(spend(submitter, "gpt-4o-mini", nextDay)).extracting(DaySpend::spent, DaySpend::held)
                .containsExactly(2_501L, 0L);
    }
}
