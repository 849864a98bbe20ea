package dev.llmwatcher.bench;

import java.time.Duration;
import java.util.Arrays;
import java.util.SplittableRandom;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.function.Supplier;

/**
 * The fake LLM's latency per call: fixed, or log-normal like real models (most answers quick, a long tail of slow
 * ones). It records every delay it hands out, in order, so the figures can compare our drain with the ideal and with
 * the original's "whole batch in parallel, wait for the slowest" on exactly the same samples.
 */
final class LatencyModel implements Supplier<Duration> {

    private static final double Z_99 = 2.326;

    private final double medianMillis;
    private final double sigma;
    private final SplittableRandom random;
    private final ConcurrentLinkedQueue<Long> samples = new ConcurrentLinkedQueue<>();

    private LatencyModel(double medianMillis, double sigma, long seed) {
        this.medianMillis = medianMillis;
        this.sigma = sigma;
        this.random = new SplittableRandom(seed);
    }

    static LatencyModel fixed(Duration latency) {
        return new LatencyModel(latency.toMillis(), 0, 1);
    }

    /** Log-normal with the given median and 99th percentile (p99 = median * e^(2.326 sigma)). */
    static LatencyModel logNormal(Duration median, Duration p99, long seed) {
        double sigma = Math.log((double) p99.toMillis() / median.toMillis()) / Z_99;
        return new LatencyModel(median.toMillis(), sigma, seed);
    }

    @Override
    public Duration get() {
        double gaussian;
        synchronized (random) {
            gaussian = sigma == 0 ? 0 : gaussian(random);
        }
        long millis = Math.round(medianMillis * Math.exp(sigma * gaussian));
        samples.add(millis);
        return Duration.ofMillis(millis);
    }

    /** Every delay handed out so far, in milliseconds, in order. */
    long[] samples() {
        return samples.stream().mapToLong(Long::longValue).toArray();
    }

    static double meanMillis(long[] samples) {
        return Arrays.stream(samples).average().orElse(0);
    }

    static long percentile(long[] samples, double p) {
        if (samples.length == 0) {
            return 0;
        }
        long[] sorted = samples.clone();
        Arrays.sort(sorted);
        return sorted[(int) Math.min(sorted.length - 1, Math.ceil(p * sorted.length) - 1)];
    }

    /**
     * Seconds the original would need for these calls: batches of {@code concurrency} documents called all at once,
     * each batch waiting for its slowest call before the next starts.
     */
    static double batchAndWaitSeconds(long[] samples, int concurrency) {
        long total = 0;
        for (int start = 0; start < samples.length; start += concurrency) {
            long slowest = 0;
            for (int i = start; i < Math.min(samples.length, start + concurrency); i++) {
                slowest = Math.max(slowest, samples[i]);
            }
            total += slowest;
        }
        return total / 1000.0;
    }

    private static double gaussian(SplittableRandom random) {
        double u1 = 1.0 - random.nextDouble();
        double u2 = random.nextDouble();
        return Math.sqrt(-2 * Math.log(u1)) * Math.cos(2 * Math.PI * u2);
    }
}
