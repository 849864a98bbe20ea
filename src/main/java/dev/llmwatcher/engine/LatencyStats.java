package dev.llmwatcher.engine;

import java.time.Duration;
import java.util.Arrays;

/** Summary of LLM call latencies in one run. */
public record LatencyStats(int count, Duration mean, Duration p50, Duration p95, Duration max) {

    public static final LatencyStats EMPTY = new LatencyStats(0, Duration.ZERO, Duration.ZERO, Duration.ZERO,
            Duration.ZERO);

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
                Duration.ofMillis(millis[millis.length - 1]));
    }

    private static long percentile(long[] sorted, double q) {
        int index = (int) Math.ceil(q * sorted.length) - 1;
        return sorted[Math.max(0, Math.min(sorted.length - 1, index))];
    }
}
