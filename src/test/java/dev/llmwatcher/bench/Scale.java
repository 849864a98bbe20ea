package dev.llmwatcher.bench;

import java.time.Duration;

/**
 * How big a benchmark run is. {@link #FULL} is the one {@code BENCHMARKS.md} reports; {@link #SMOKE} proves in a
 * few seconds, inside the test suite, that every figure is still produced.
 *
 * @param concurrency    LLM calls in flight (C), given to the watcher as {@code --concurrency}
 * @param batchSize      documents read and claimed per queue page ({@code --batch-size})
 * @param fixedLatency   the fixed latency L of the first run
 * @param throughputDocs documents (1-10 KB) drained at fixed latency
 * @param tailDocs       documents (1-10 KB) drained at the long-tailed latency, and at fixed latency against the
 *                       provider's concurrency limit
 * @param providerLimit  the fake provider's concurrency limit N in drain 1e: it answers 429 above N requests in
 *                       flight (overridden by {@code -Dllmwatcher.bench.providerLimit}, {@code bin/benchmark}'s
 *                       second argument)
 * @param memoryDocs     the two queue sizes of 10 KB documents whose memory is compared
 * @param warmUpDocs     documents drained first and not measured, so Elasticsearch and the fake LLM run warm, as a
 *                       long-running cluster and provider do
 * @param warmUpDrains   the most warm-up drains of that many documents: more follow the first while Elasticsearch's
 *                       CPU per document still falls
 * @param startupRuns    process runs whose median start-up is reported
 * @param childHeap      the watcher's {@code -Xmx}, sized for a 512 MB Lambda
 */
record Scale(int concurrency, int batchSize, Duration fixedLatency, int throughputDocs, int tailDocs, int providerLimit,
             int[] memoryDocs, int warmUpDocs, int warmUpDrains, int startupRuns, String childHeap) {

    static final Scale FULL = new Scale(64, 64, Duration.ofMillis(100), 5_000, 5_000, 48, new int[] {5_000, 20_000},
            10_000, 4, 9, "-Xmx256m");
    /** The full run's concurrency and latencies on smaller queues, for a busy shared machine (see BENCHMARKS.md). */
    static final Scale QUICK = new Scale(64, 64, Duration.ofMillis(100), 5_000, 2_000, 48, new int[] {1_000, 4_000},
            10_000, 4, 5, "-Xmx256m");
    /** The throughput drain alone at full size, everything else at smoke size: for profiling one change. */
    static final Scale PROFILE = new Scale(64, 64, Duration.ofMillis(100), 5_000, 24, 48, new int[] {16, 48}, 10_000, 4,
            1, "-Xmx256m");
    static final Scale SMOKE = new Scale(8, 8, Duration.ofMillis(20), 40, 24, 6, new int[] {16, 48}, 16, 2, 1,
            "-Xmx256m");

    /** This scale with another provider concurrency limit. */
    Scale withProviderLimit(int limit) {
        if (limit < 1) {
            throw new IllegalArgumentException("the provider's concurrency limit must be at least 1, not " + limit);
        }
        return new Scale(concurrency, batchSize, fixedLatency, throughputDocs, tailDocs, limit, memoryDocs, warmUpDocs,
                warmUpDrains, startupRuns, childHeap);
    }

    static Scale named(String name) {
        return switch (name) {
            case "full" -> FULL;
            case "quick" -> QUICK;
            case "smoke" -> SMOKE;
            case "profile" -> PROFILE;
            default -> throw new IllegalArgumentException("unknown benchmark scale '" + name
                    + "' (full, quick, profile, smoke)");
        };
    }
}
