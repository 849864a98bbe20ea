package dev.llmwatcher.budget;

import dev.llmwatcher.testing.InMemoryTokenLedger;
import dev.llmwatcher.testing.MutableClock;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Map;
import java.util.OptionalLong;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** A drainer's side of the budget over the in-memory ledger: chunks, estimates, settling, giving back, days. */
class SharedTokenBudgetTest {

    private static final String MODEL = "gpt-4o-mini";
    private static final OptionalLong NO_CAP = OptionalLong.empty();

    private final InMemoryTokenLedger ledger = new InMemoryTokenLedger();
    private final MutableClock clock = new MutableClock();

    private SharedTokenBudget budget(String holder, long limit) {
        return new SharedTokenBudget(ledger, new DailyLimits(Map.of(MODEL, limit), OptionalLong.empty()), clock,
                holder, Duration.ofSeconds(30), 4);
    }

    private LocalDate today() {
        return LocalDate.ofInstant(clock.instant(), ZoneOffset.UTC);
    }

    /** Reserves one call with a 400-character prompt and settles it at {@code tokens} reported. */
    private void call(TokenBudget budget, long tokens) throws BudgetExhaustedException {
        Reservation reservation = budget.reserve(MODEL, 400, NO_CAP);
        budget.settle(reservation, tokens - 10, 10);
    }

    @Test
    void aModelWithoutABudgetIsNeitherEstimatedNorAskedFor() throws BudgetExhaustedException {
        TokenBudget budget = budget("a", 1_000);
        budget.startPass();

        Reservation reservation = budget.reserve("llama3.3", 400, NO_CAP);
        budget.settle(reservation, 1_000_000, 1_000_000);

        assertThat(reservation.metered()).isFalse();
        assertThat(budget.admits("llama3.3")).isTrue();
        assertThat(ledger.exchanges()).as("the day's read at the pass start only").isZero();
        assertThat(budget.endPass()).isEmpty();
    }

    @Test
    void manyCallsShareOneExchangeWithTheLedger() throws BudgetExhaustedException {
        TokenBudget budget = budget("a", 1_000_000);
        budget.startPass();

        for (int i = 0; i < 8; i++) {
            call(budget, 150);
        }
        int duringThePass = ledger.exchanges();
        List<BudgetUse> uses = budget.endPass();

        assertThat(duringThePass).isLessThanOrEqualTo(2);
        assertThat(ledger.exchanges()).isEqualTo(duringThePass + 1);
        assertThat(uses).singleElement().satisfies(use -> {
            assertThat(use.spentThisPass()).isEqualTo(8 * 150);
            assertThat(use.spentToday()).isEqualTo(8 * 150);
            assertThat(use.heldToday()).as("given back").isZero();
            assertThat(use.remaining()).isEqualTo(1_000_000 - 8 * 150);
            assertThat(use.exhausted()).isFalse();
        });
    }

    @Test
    void aCallTheBudgetCannotCoverIsRefusedAndTheModelIsNotAdmittedForTheRestOfThePass() throws Exception {
        TokenBudget budget = budget("a", 2_000);
        budget.startPass();
        int calls = 0;
        try {
            while (calls < 100) {
                call(budget, 150);
                calls++;
            }
        } catch (BudgetExhaustedException e) {
            assertThat(e).hasMessageContaining("the daily token budget of gpt-4o-mini is spent")
                    .hasMessageContaining("of 2,000 tokens");
        }

        assertThat(calls).isBetween(8, 13);
        assertThat(budget.admits(MODEL)).isFalse();
        assertThat(budget.admits("other")).isTrue();
        assertThat(budget.endPass()).singleElement().satisfies(use -> assertThat(use.exhausted()).isTrue());
        assertThat(ledger.stored(MODEL, today()).spent()).isEqualTo(calls * 150L).isLessThanOrEqualTo(2_000);
    }

    @Test
    void theNextPassStartsWithTheSpentModelLeftOutUntilTheBudgetIsRaised() throws Exception {
        TokenBudget first = budget("a", 1_000);
        first.startPass();
        assertThatThrownBy(() -> {
            for (int i = 0; i < 100; i++) {
                call(first, 150);
            }
        }).isInstanceOf(BudgetExhaustedException.class);
        first.endPass();

        TokenBudget again = budget("b", 1_000);
        TokenBudget raised = budget("c", 5_000);

        assertThat(again.startPass()).containsExactly(MODEL);
        assertThat(again.admits(MODEL)).isFalse();
        assertThatThrownBy(() -> again.reserve(MODEL, 400, NO_CAP)).isInstanceOf(BudgetExhaustedException.class);
        assertThat(raised.startPass()).isEmpty();
        assertThat(raised.admits(MODEL)).isTrue();
        call(raised, 150);
    }

    @Test
    void aCallRefusedWhileTheDrainersOwnCallsHoldEstimatesWaitsForThemToSettleAndGoesOut() throws Exception {
        TokenBudget budget = budget("a", 600);
        budget.startPass();
        Reservation first = budget.reserve(MODEL, 400, NO_CAP);

        CompletableFuture<Reservation> second = CompletableFuture.supplyAsync(() -> {
            try {
                return budget.reserve(MODEL, 400, NO_CAP);
            } catch (BudgetExhaustedException e) {
                throw new CompletionException(e);
            }
        });
        while (ledger.exchanges() < 2) {
            Thread.onSpinWait();
        }
        boolean waited = !second.isDone();
        budget.settle(first, 140, 10);

        assertThat(first.estimate()).as("a first estimate, far above what the call costs").isEqualTo(376);
        assertThat(waited).isTrue();
        assertThat(second.get(10, TimeUnit.SECONDS).metered()).isTrue();
        assertThat(budget.admits(MODEL)).isTrue();
    }

    @Test
    void everyPassReportsWhatIsLeftOfABudgetSpentOnTodayEvenWithoutCallingTheModel() throws Exception {
        TokenBudget spender = budget("a", 10_000);
        spender.startPass();
        call(spender, 1_500);
        spender.endPass();
        TokenBudget idle = budget("b", 10_000);

        idle.startPass();

        assertThat(idle.endPass()).singleElement().satisfies(use -> {
            assertThat(use.spentThisPass()).isZero();
            assertThat(use.remaining()).isEqualTo(8_500);
            assertThat(use.exhausted()).isFalse();
        });
    }

    @Test
    void aProviderThatReportsNoTokensIsChargedTheEstimate() throws BudgetExhaustedException {
        TokenBudget budget = budget("a", 1_000_000);
        budget.startPass();

        Reservation reservation = budget.reserve(MODEL, 400, OptionalLong.of(50));
        budget.settle(reservation, 0, 0);

        assertThat(reservation.estimate()).isEqualTo(120 + 50);
        assertThat(budget.endPass()).singleElement().extracting(BudgetUse::spentThisPass).isEqualTo(170L);
    }

    @Test
    void aCallWithoutAnAnswerCostsItsEstimateOnlyWhenItMayHaveBeenBilled() throws BudgetExhaustedException {
        TokenBudget budget = budget("a", 1_000_000);
        budget.startPass();

        budget.settleUnanswered(budget.reserve(MODEL, 400, OptionalLong.of(80)), false);
        budget.settleUnanswered(budget.reserve(MODEL, 400, OptionalLong.of(80)), true);

        assertThat(budget.endPass()).singleElement().extracting(BudgetUse::spentThisPass).isEqualTo(200L);
    }

    @Test
    void estimatesLearnTheModelsTokensPerCharacterAndItsCompletionSizes() throws BudgetExhaustedException {
        TokenBudget budget = budget("a", 1_000_000);
        budget.startPass();
        long first = budget.estimate(MODEL, 1_000, NO_CAP);

        for (int i = 0; i < 5; i++) {
            budget.settle(budget.reserve(MODEL, 1_000, NO_CAP), 250, 40);
        }

        assertThat(first).isEqualTo(300 + 256);
        assertThat(budget.estimate(MODEL, 1_000, NO_CAP)).isEqualTo(250 + 40);
        assertThat(budget.estimate(MODEL, 2_000, OptionalLong.of(20))).isEqualTo(500 + 20);
    }

    @Test
    void aLeaseAboutToEndIsRenewedBeforeAnotherCallIsReservedOnIt() throws BudgetExhaustedException {
        TokenBudget budget = budget("a", 1_000_000);
        budget.startPass();
        call(budget, 150);
        int before = ledger.exchanges();

        clock.advance(Duration.ofSeconds(61));
        call(budget, 150);

        assertThat(ledger.exchanges()).isEqualTo(before + 1);
        Instant until = ledger.stored(MODEL, today()).leases().getFirst().until();
        assertThat(until).isAfter(clock.instant().plus(Duration.ofSeconds(60)));
    }

    @Test
    void aCrashedDrainersShareComesBackWhenItsLeaseEnds() throws BudgetExhaustedException {
        TokenBudget crashed = budget("crashed", 2_000);
        crashed.startPass();
        call(crashed, 100);
        TokenBudget other = budget("other", 2_000);
        other.startPass();
        int held = (int) ledger.stored(MODEL, today()).leases().getFirst().tokens();

        clock.advance(Duration.ofSeconds(121));
        other.startPass();
        long spent = 0;
        try {
            while (spent < 10_000) {
                call(other, 100);
                spent += 100;
            }
        } catch (BudgetExhaustedException e) {
            // spent
        }

        assertThat(held).isGreaterThan(100);
        assertThat(spent).as("all but what the crashed drainer never reported").isGreaterThanOrEqualTo(1_500);
    }

    @Test
    void theUtcDayRollingOverBringsAFreshBudget() throws Exception {
        clock.advance(Duration.between(clock.instant(), clock.instant().atZone(ZoneOffset.UTC).toLocalDate()
                .plusDays(1).atStartOfDay(ZoneOffset.UTC).toInstant().minusSeconds(5)));
        TokenBudget budget = budget("a", 1_000);
        budget.startPass();
        assertThatThrownBy(() -> {
            for (int i = 0; i < 100; i++) {
                call(budget, 150);
            }
        }).isInstanceOf(BudgetExhaustedException.class);
        budget.endPass();
        LocalDate yesterday = today();

        clock.advance(Duration.ofSeconds(10));
        Instant start = clock.instant();

        assertThat(budget.startPass()).isEmpty();
        assertThat(budget.admits(MODEL)).isTrue();
        call(budget, 150);
        budget.endPass();
        assertThat(today()).isEqualTo(yesterday.plusDays(1));
        assertThat(ledger.stored(MODEL, today()).spent()).isEqualTo(150);
        assertThat(ledger.stored(MODEL, yesterday).spent()).isGreaterThan(150);
        assertThat(start).isAfter(yesterday.plusDays(1).atStartOfDay(ZoneOffset.UTC).toInstant());
    }

    @Test
    void aBudgetOfZeroRefusesEveryCallWithoutAskingTheLedger() {
        TokenBudget budget = new SharedTokenBudget(ledger, DailyLimits.parse("gpt-4o-mini=2M,*=0"), clock, "a",
                Duration.ofSeconds(30), 4);

        assertThat(budget.startPass()).isEmpty();
        assertThatThrownBy(() -> budget.reserve("gpt-4o", 400, NO_CAP)).isInstanceOf(BudgetExhaustedException.class);
        assertThat(budget.admits("gpt-4o")).isFalse();
        assertThat(budget.admits(MODEL)).isTrue();
        assertThat(ledger.exchanges()).isZero();
    }

    @Test
    void anUnreachableLedgerRefusesTheCallInsteadOfSpendingBlindly() {
        TokenBudget budget = budget("a", 1_000_000);
        ledger.unavailable(true);

        assertThat(budget.startPass()).isEmpty();
        assertThatThrownBy(() -> budget.reserve(MODEL, 400, NO_CAP)).isInstanceOf(BudgetExhaustedException.class)
                .hasMessageContaining("ledger could not be reached");
    }

    @Test
    void aSubmissionIsHeldWholeAndSettledLaterByAnotherProcessAtHalfPrice() throws BudgetExhaustedException {
        TokenBudget submitter = budget("submitter", 10_000);
        Instant window = clock.instant().plus(Duration.ofHours(25));
        SubmissionHold hold = submitter.holdSubmission("sub-1", MODEL, 6_000, window);
        TokenBudget direct = budget("direct", 10_000);
        direct.startPass();

        assertThatThrownBy(() -> direct.reserve(MODEL, 20_000, NO_CAP))
                .isInstanceOf(BudgetExhaustedException.class);
        clock.advance(Duration.ofHours(20));
        TokenBudget collector = budget("collector", 10_000);
        collector.startPass();
        SubmissionHold fromTheDocuments = new SubmissionHold("sub-1", MODEL, hold.day(), 6_000, window, true);
        collector.settleSubmission(fromTheDocuments, 4_000, 1_001, 0);

        assertThat(hold.day()).isEqualTo(LocalDate.ofInstant(window.minus(Duration.ofHours(25)), ZoneOffset.UTC));
        assertThat(ledger.stored(MODEL, hold.day()).spent()).isEqualTo(2_501);
        assertThat(ledger.stored(MODEL, hold.day()).spendAt(clock.instant()).held()).isZero();
        assertThat(collector.endPass()).singleElement().extracting(BudgetUse::spentThisPass).isEqualTo(2_501L);
    }

    @Test
    void aSubmissionLargerThanWhatIsLeftIsRefusedAndAReleasedHoldCostsNothing() throws BudgetExhaustedException {
        TokenBudget budget = budget("a", 10_000);
        Instant window = clock.instant().plus(Duration.ofHours(25));

        SubmissionHold held = budget.holdSubmission("sub-1", MODEL, 8_000, window);
        assertThatThrownBy(() -> budget.holdSubmission("sub-2", MODEL, 4_000, window))
                .isInstanceOf(BudgetExhaustedException.class);
        budget.releaseSubmission(held);
        SubmissionHold second = budget.holdSubmission("sub-2", MODEL, 4_000, window);
        budget.settleSubmission(second, 1_000, 1_000, 2_000);

        assertThat(ledger.stored(MODEL, held.day()).spendAt(clock.instant())).extracting(DaySpend::spent,
                DaySpend::held).containsExactly(1_000L, 2_000L);
    }
}
