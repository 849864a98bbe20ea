package dev.llmwatcher.engine;

import java.time.Duration;
import java.util.random.RandomGenerator;

/**
 * How long to wait before writing again what Elasticsearch pushed back: doubling from {@code first} up to
 * {@code max}, with the upper half of each wait drawn at random, so that passes (and Lambda instances) pushed back by
 * the same overloaded node do not all come back at the same moment and overload it again.
 */
record Backoff(Duration first, Duration max) {

    /** For queue writes: the first retry after 50-100 ms, none more than 2 s after the one before. */
    static final Backoff QUEUE_WRITES = new Backoff(Duration.ofMillis(100), Duration.ofSeconds(2));

    /** The wait before retry number {@code retry} (1 for the first). */
    Duration delay(int retry, RandomGenerator random) {
        long ceiling = first.toMillis() << Math.min(Math.max(retry - 1, 0), 20);
        ceiling = Math.min(ceiling, max.toMillis());
        long half = ceiling / 2;
        return Duration.ofMillis(half + random.nextLong(ceiling - half + 1));
    }
}
