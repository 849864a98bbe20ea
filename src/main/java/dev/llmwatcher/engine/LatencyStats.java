package dev.llmwatcher.engine;

import java.time.Duration;
import java.util.Arrays;
import java.util.List;

/**
 * Summary of LLM call latencies in one run, with the samples themselves: percentiles of several runs cannot be
 * computed from each run's percentiles, so whoever adds runs up or reports them on (CloudWatch) needs the samples.
 *
 * @param samplesMillis every latency, in milliseconds, in ascending order
 */
public record LatencyStats(int count, Duration mean, Duration p50, Duration p95, Duration max,
                           List<Long> samplesMillis) {

    public static final LatencyStats EMPTY = new LatencyStats(0, Duration.ZERO, Duration.ZERO, Duration.ZERO,
            Duration.ZERO, List.of());

    public LatencyStats {
        samplesMillis = List.copyOf(samplesMillis);
    }

    /** Summarises latencies in milliseconds; sorts the array in place. */
    public static LatencyStats ofMillis(long[] millis) {
        if (millis.length == 0) {
            return EMPTY;
        }
        Arrays.sort(millis);
        long sum = 0;
        for (long m : millis) {
            sum += m;
        }
        return new LatencyStats(millis.length, Duration.ofMillis(sum / millis.length),
                Duration.ofMillis(percentile(millis, 0.50)), Duration.ofMillis(percentile(millis, 0.95)),
                Duration.ofMillis(millis[millis.length - 1]), Arrays.stream(millis).boxed().toList());
    }

    /** Both runs' samples in one summary. */
    public LatencyStats plus(LatencyStats other) {
        long[] both = new long[count + other.count];
        for (int i = 0; i < count; i++) {
            both[i] = samplesMillis.get(i);
        }
        for (int i = 0; i < other.count; i++) {
            both[count + i] = other.samplesMillis.get(i);
        }
        return ofMillis(both);
    }

    private static long percentile(long[] sorted, double q) {
        int index = (int) Math.ceil(q * sorted.length) - 1;
        return sorted[Math.max(0, Math.min(sorted.length - 1, index))];
    }
}
