package dev.llmwatcher.llm.retry;

import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

class ConcurrencyLimitTest {

    private final ConcurrencyLimit limit = new ConcurrencyLimit();

    private List<ConcurrencyLimit.Permit> take(int permits) throws InterruptedException {
        List<ConcurrencyLimit.Permit> taken = new ArrayList<>();
        for (int i = 0; i < permits; i++) {
            ConcurrencyLimit.Permit permit = limit.acquire(System.nanoTime());
            assertThat(permit).as("permit %d", i).isNotNull();
            taken.add(permit);
        }
        return taken;
    }

    @Test
    void thereIsNoLimitBeforeTheFirst429() throws Exception {
        take(1_000);

        assertThat(limit.current()).isEqualTo(Integer.MAX_VALUE);
    }

    @Test
    void a429CutsTheLimitToNinetyPercentOfTheCallsInFlightOnceForCallsSentBeforeTheCut() throws Exception {
        List<ConcurrencyLimit.Permit> sentBeforeTheCut = take(20);

        assertThat(limit.release(sentBeforeTheCut.get(0), true)).as("a cut").isTrue();
        assertThat(limit.current()).as("90%% of the 20 in flight").isEqualTo(18);
        assertThat(limit.release(sentBeforeTheCut.get(1), true)).isFalse();
        assertThat(limit.release(sentBeforeTheCut.get(2), true)).isFalse();
        assertThat(limit.current()).as("the same burst's other 429s say nothing new").isEqualTo(18);

        for (int i = 3; i < 12; i++) {
            limit.release(sentBeforeTheCut.get(i), false);
        }
        ConcurrencyLimit.Permit sentAfterTheCut = take(1).getFirst();
        limit.release(sentAfterTheCut, true);
        assertThat(limit.current()).as("a 429 to a call sent under the new limit: 90%% of the 9 in flight")
                .isEqualTo(8);
    }

    @Test
    void whileTheLimitHoldsCallsBackEachLimitsWorthOfAnswersRaisesItByOne() throws Exception {
        List<ConcurrencyLimit.Permit> burst = take(10);
        limit.release(burst.getFirst(), true);
        for (ConcurrencyLimit.Permit permit : burst.subList(1, 10)) {
            limit.release(permit, false);
        }
        assertThat(limit.current()).isEqualTo(9);

        for (int round = 0; round < 9; round++) {
            for (ConcurrencyLimit.Permit permit : take(limit.current())) {
                limit.release(permit, false);
            }
        }
        assertThat(limit.current()).as("9 full rounds at the limit").isBetween(10, 11);

        limit.release(take(1).getFirst(), false);
        assertThat(limit.current()).as("one call alone does not reach the limit: no raise").isBetween(10, 11);
    }

    @Test
    void aCallAtTheLimitWaitsForOneToEndAndGivesUpAtItsDeadline() throws Exception {
        List<ConcurrencyLimit.Permit> burst = take(3);
        limit.release(burst.getFirst(), true);
        assertThat(limit.current()).isEqualTo(2);

        assertThat(limit.acquire(System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(50)))
                .as("two in flight, limit two: no room before the deadline").isNull();

        CompletableFuture<ConcurrencyLimit.Permit> waiting = CompletableFuture.supplyAsync(() -> {
            try {
                return limit.acquire(System.nanoTime() + TimeUnit.SECONDS.toNanos(10));
            } catch (InterruptedException e) {
                throw new IllegalStateException(e);
            }
        });
        Thread.sleep(50);
        assertThat(waiting).isNotDone();
        limit.release(burst.get(1), false);
        assertThat(waiting.get(5, TimeUnit.SECONDS)).isNotNull();
    }
}
