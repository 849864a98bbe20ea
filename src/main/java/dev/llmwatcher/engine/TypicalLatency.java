package dev.llmwatcher.engine;

import java.time.Duration;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A moving average of successful call latencies. Near the deadline the engine starts no call that would likely be
 * cut short: a cut call is paid for (tokens are generated) and its answer thrown away.
 */
final class TypicalLatency {

    private static final double WEIGHT = 0.2;

    private final AtomicLong averageMillis = new AtomicLong();

    void observe(Duration latency) {
        long sample = latency.toMillis();
        averageMillis.updateAndGet(previous -> previous == 0 ? sample
                : Math.round(previous * (1 - WEIGHT) + sample * WEIGHT));
    }

    /** Zero until the first success, so a pass's first calls are never held back. */
    Duration current() {
        return Duration.ofMillis(averageMillis.get());
    }
}
