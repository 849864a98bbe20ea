package dev.llmwatcher.store;

import dev.llmwatcher.budget.Lease;
import dev.llmwatcher.budget.LeaseRequest;
import dev.llmwatcher.budget.LedgerDay;
import dev.llmwatcher.budget.LedgerUnavailableException;

import java.time.Instant;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;

/**
 * One ledger exchange on a search engine without a script: a real-time get, {@link LedgerDay#exchange} applied to
 * what it read, and a write of the whole document conditional on the version read (a create for a day nobody wrote
 * yet). A write another drainer beat (409) or a busy engine (429/503, or a shard not started yet) is tried again after
 * a short random pause, up to {@link #MAX_TRIES} times.
 */
public final class LedgerExchange {

    /** Exchanges lost to other drainers' writes (or to a busy cluster) before giving up; a try is two requests. */
    public static final int MAX_TRIES = 50;

    /** The ledger's records as an adapter reads and writes them. */
    public interface Records {

        /** The stored day, empty when there is none (nor an index). */
        Optional<Stored> read(String id);

        /**
         * Writes conditionally on {@code read} (a create when empty); false when another drainer wrote first.
         *
         * @throws Busy when the engine sheds load
         */
        boolean write(String id, Map<String, Object> source, Optional<Stored> read);

        /** What to say, and throw, when the ledger cannot be used ({@code action} as in "could not ..."). */
        LedgerUnavailableException unavailable(String action, Exception cause);
    }

    /** A stored day's source and version. */
    public record Stored(Map<?, ?> source, long seqNo, long primaryTerm) {
    }

    /** The engine answered 429 or 503: tried again, like a conflict. */
    public static final class Busy extends RuntimeException {

        private final String action;
        private final Exception cause;

        public Busy(String action, Exception cause) {
            super(action, cause, false, false);
            this.action = action;
            this.cause = cause;
        }
    }

    private LedgerExchange() {
    }

    public static Lease exchange(Records records, String index, LeaseRequest request) {
        String id = LedgerDocuments.id(request.model(), request.day());
        for (int attempt = 1; ; attempt++) {
            try {
                Optional<Stored> current = records.read(id);
                LedgerDay day = current.map(stored -> LedgerDocuments.day(stored.source(), request.model(),
                        request.day())).orElseGet(() -> LedgerDay.empty(request.model(), request.day()));
                LedgerDay.Exchanged exchanged = day.exchange(request);
                Instant now = request.now();
                if (records.write(id, LedgerDocuments.source(exchanged.next(), now), current)) {
                    return exchanged.lease();
                }
                if (attempt == MAX_TRIES) {
                    throw new LedgerUnavailableException("The token budget ledger " + index + " kept changing under "
                            + MAX_TRIES + " tries to update " + id + " (too many drainers at once)", null);
                }
            } catch (Busy busy) {
                if (attempt == MAX_TRIES) {
                    throw records.unavailable(busy.action, busy.cause);
                }
            }
            pause(attempt);
        }
    }

    private static void pause(int attempt) {
        try {
            TimeUnit.MILLISECONDS.sleep(ThreadLocalRandom.current().nextLong(1, Math.min(100, 5L * attempt) + 1));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new LedgerUnavailableException("interrupted while updating the token budget", e);
        }
    }
}
