package dev.llmwatcher.aws;

import dev.llmwatcher.engine.RunReport;
import dev.llmwatcher.json.JsonCodec;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.LongSupplier;

/**
 * The scheduled function sizing the fleet by the backlog (issue 28): when its pass finds more documents than it can
 * drain before its deadline, it invokes itself asynchronously for more drainers, each working its own part of the
 * queue. How many drainers in all, itself included:
 *
 * <pre>drainers = min(MaxDrainers, ceil(eligible / (C / L × T)))</pre>
 *
 * with {@code eligible} the pass's count (it leaves out the documents of models whose token budget is spent, so a
 * spent budget starts no drainer), {@code C} the concurrency, {@code L} the mean LLM latency of the last pass in this
 * container ({@value #ASSUMED_LATENCY_SECONDS} s before one), and {@code T} the time this invocation has for calls.
 * It starts {@code drainers} less those already working (the distinct owners of live claims, itself among them), so
 * overlapping schedule ticks do not stack fleets. A queue one drainer drains in time starts none. The invocations it
 * starts carry {@code "fanned_out": true} and never fan out themselves; Lambda's reserved concurrency stays the hard
 * cap.
 */
final class FanOut {

    private static final Logger LOG = LoggerFactory.getLogger(FanOut.class);
    static final String SOURCE = "llm-watcher.fan-out";
    private static final long ASSUMED_LATENCY_SECONDS = 1;
    /** How long the invocation waits, after its pass, for the fan-out's requests still being sent. */
    private static final Duration SEND_WAIT = Duration.ofSeconds(10);

    private final int maxDrainers;
    private final int concurrency;
    private final LambdaInvoker invoker;
    private volatile Duration latency = Duration.ofSeconds(ASSUMED_LATENCY_SECONDS);

    FanOut(int maxDrainers, int concurrency, LambdaInvoker invoker) {
        this.maxDrainers = maxDrainers;
        this.concurrency = concurrency;
        this.invoker = invoker;
    }

    /** Drainers for a backlog of {@code eligible}, each calling {@code rate} documents a second for {@code window}. */
    static int drainers(long eligible, double rate, Duration window, int maxDrainers) {
        double perDrainer = rate * window.toMillis() / 1000.0;
        if (eligible <= 0 || perDrainer <= 0) {
            return 1;
        }
        return (int) Math.max(1, Math.min(maxDrainers, Math.ceil(eligible / perDrainer)));
    }

    /** Documents one drainer calls a second: C / L. */
    double ratePerDrainer() {
        return concurrency * 1000.0 / Math.max(1, latency.toMillis());
    }

    /** Takes the pass's mean LLM latency as L for the next fan-out. */
    void observe(RunReport report) {
        if (report.llmLatency().count() > 0 && report.llmLatency().mean().isPositive()) {
            latency = report.llmLatency().mean();
        }
    }

    /**
     * Starts the drainers a backlog of {@code eligible} needs beyond those {@code working} (counted on that thread),
     * on a thread of its own so the pass does not wait; {@link Started#await} before the invocation returns (a frozen container sends nothing).
     *
     * @param function the invoked function's ARN, with the qualifier it was invoked with (the SnapStart alias)
     * @param input    the input the drainers get: this invocation's overrides, marked as fanned out
     */
    Started start(long eligible, LongSupplier working, Duration window, String function, Map<String, Object> input) {
        int wanted = drainers(eligible, ratePerDrainer(), window, maxDrainers);
        if (wanted <= 1) {
            return Started.NONE;
        }
        Map<String, Object> payload = new LinkedHashMap<>(input);
        payload.put("source", SOURCE);
        payload.put(InvocationInput.FANNED_OUT, true);
        String json = JsonCodec.writeString(payload);
        CompletableFuture<Integer> sent = CompletableFuture.supplyAsync(() -> {
            long running = Math.max(1, working.getAsLong());
            int extra = (int) Math.max(0, wanted - running);
            LOG.info("{} eligible documents need {} drainers ({} a second each for {} s; at most {}); {} working: "
                            + "starting {}", eligible, wanted, Math.round(ratePerDrainer() * 10) / 10.0,
                    window.toSeconds(), maxDrainers, running, extra);
            return send(function, json, extra);
        }, task -> Thread.ofVirtual().name("fan-out").start(task));
        return new Started(sent);
    }

    private int send(String function, String payload, int extra) {
        int sent = 0;
        List<String> failures = new ArrayList<>();
        for (int i = 0; i < extra && failures.isEmpty(); i++) {
            try {
                invoker.invokeAsync(function, payload);
                sent++;
            } catch (RuntimeException e) {
                failures.add(e.getMessage());
            }
        }
        if (!failures.isEmpty()) {
            LOG.warn("Started {} of {} more drainers; the next could not be started: {}", sent, extra,
                    failures.getFirst());
        }
        return sent;
    }

    /** The fan-out's requests on their way: how many drainers were started, once they are sent. */
    record Started(CompletableFuture<Integer> sent) {

        static final Started NONE = new Started(CompletableFuture.completedFuture(0));

        /** Waits (a bounded time) for the requests; the number of drainers started. */
        int await() {
            try {
                return sent.get(SEND_WAIT.toMillis(), TimeUnit.MILLISECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return 0;
            } catch (TimeoutException | java.util.concurrent.ExecutionException e) {
                LOG.warn("The fan-out's requests did not end in time: {}", e.toString());
                return 0;
            }
        }
    }
}
