package dev.llmwatcher.engine;

import java.time.Clock;
import java.time.Instant;
import java.util.Optional;
import java.util.concurrent.ThreadLocalRandom;

/**
 * When a queue bulk that Elasticsearch answered as busy (HTTP 429 or 503 for the whole request) may be sent again:
 * after a {@link Backoff} that grows with each busy answer in a row. Sending it again at once would only add to the
 * load Elasticsearch is shedding.
 */
final class BusyWait {

    private final Backoff backoff;
    private final Clock clock;
    private int inARow;
    private Instant until;

    BusyWait(Backoff backoff, Clock clock) {
        this.backoff = backoff;
        this.clock = clock;
    }

    /** True when the bulk may be sent now. */
    boolean over() {
        return until == null || !clock.instant().isBefore(until);
    }

    /** Until when to wait, if Elasticsearch's last answer was busy. */
    Optional<Instant> until() {
        return Optional.ofNullable(until);
    }

    void busy() {
        inARow++;
        until = clock.instant().plus(backoff.delay(inARow, ThreadLocalRandom.current()));
    }

    void cleared() {
        inARow = 0;
        until = null;
    }
}
