package dev.llmwatcher.aws;

import com.amazonaws.services.lambda.runtime.Context;
import dev.llmwatcher.app.InstanceName;
import dev.llmwatcher.app.Watcher;
import dev.llmwatcher.config.ConfigReader;
import dev.llmwatcher.config.WatcherConfig;
import dev.llmwatcher.engine.PassListener;
import dev.llmwatcher.engine.RunReport;
import dev.llmwatcher.engine.RunRequest;
import dev.llmwatcher.engine.StopSignal;
import dev.llmwatcher.queue.QueueUnavailableException;
import dev.llmwatcher.queue.Selection;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.slf4j.MDC;

import java.io.PrintStream;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicReference;

/**
 * What both handlers do, once per invocation: read the input's overrides, take the deadline from the remaining
 * time, run one pass of the engine, print the metrics and return a summary.
 *
 * <p>The configuration is read once per container. Without a secret the {@link Watcher} (and its clients) is built
 * then too; with one it is built on the first invocation, once the secret is read, and rebuilt whenever the secret's
 * credentials change. When Elasticsearch or the LLM refuses the credentials the secret is read again once, and the
 * pass rerun if it changed.
 */
final class LambdaRunner implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(LambdaRunner.class);
    /** The MDC key of the invocation's request id: the one Lambda's runtime uses, so both fill the same field. */
    private static final String REQUEST_ID = EmfMetrics.REQUEST_ID_PROPERTY;

    private final String kind;
    private final WatcherConfig baseConfig;
    private final LambdaSettings settings;
    private final Optional<SecretSource> secret;
    private final Clock clock;
    private final PrintStream metrics;
    private final FanOut fanOut;
    private Watcher watcher;
    private SecretCredentials watcherCredentials;

    LambdaRunner(String kind, HandlerEnvironment environment) {
        this.kind = kind;
        this.clock = environment.clock();
        this.metrics = environment.metrics();
        this.baseConfig = ConfigReader.read(environment.variables());
        this.settings = LambdaSettings.read(environment.variables());
        this.secret = settings.secretId().map(id -> new SecretSource(
                environment.secretsClient()
                        .orElseGet(() -> SecretSource.defaultClient(settings.region().orElseThrow())),
                id, settings.secretMaxAge(), clock));
        this.fanOut = new FanOut(settings.maxDrainers(), baseConfig.concurrency(), settings.maxDrainers() <= 1
                ? LambdaInvoker.NONE
                : new SdkLambdaInvoker(() -> environment.lambdaClient().orElseGet(() -> SdkLambdaInvoker
                        .forRegion(settings.region().orElseThrow()).build())));
        if (secret.isEmpty()) {
            watcher = Watcher.create(baseConfig, clock, InstanceName.of("lambda-" + kind));
        }
    }

    /**
     * Runs the invocation with its request id in the MDC, so every line it logs carries it, also those of the
     * threads the pass starts (they inherit the map, see {@code log4j2.component.properties}). Lambda's runtime puts
     * the id there too, but only on Lambda: putting it here makes the {@code invoke} command and tests log the same.
     */
    synchronized InvocationSummary invoke(Selection selection, Map<String, Object> input, Context context) {
        MDC.put(REQUEST_ID, context.getAwsRequestId());
        try {
            return run(selection, input, context);
        } finally {
            MDC.remove(REQUEST_ID);
        }
    }

    private InvocationSummary run(Selection selection, Map<String, Object> input, Context context) {
        InvocationInput overrides = InvocationInput.from(input);
        Instant deadline = clock.instant().plusMillis(context.getRemainingTimeInMillis())
                .minus(settings.safetyMargin());
        String queue = overrides.watchIndex().orElse(baseConfig.watchIndex());
        AtomicReference<FanOut.Started> fannedOut = new AtomicReference<>(FanOut.Started.NONE);
        boolean mayFanOut = selection == Selection.NEW && settings.maxDrainers() > 1 && !overrides.fannedOut();
        PassListener listener = !mayFanOut ? PassListener.NONE : new PassListener() {
            @Override
            public void started(long eligible) {
                if (fannedOut.get() == FanOut.Started.NONE) {
                    Watcher drainer = watcher;
                    fannedOut.set(fanOut.start(eligible, () -> drainer.store().drainersWorking(queue, clock.instant()),
                            Duration.between(clock.instant(), deadline),
                            context.getInvokedFunctionArn(), overrides.forFanOut(queue)));
                }
            }
        };
        RunRequest request = new RunRequest(queue, selection, deadline,
                overrides.maxDocuments().orElse(Integer.MAX_VALUE), StopSignal.never(), listener);
        boolean refreshed = false;
        RunReport report;
        try {
            report = watcher(false).run(request);
        } catch (QueueUnavailableException e) {
            if (!e.isAuthenticationFailure() || !rebuildWithFreshSecret()) {
                throw e;
            }
            refreshed = true;
            report = watcher.run(request);
        }
        if (!refreshed && report.stoppedByCredentials() && rebuildWithFreshSecret()) {
            refreshed = true;
            report = RunReports.combine(report, watcher.run(request));
        }
        fanOut.observe(report);
        int drainersStarted = fannedOut.get().await();
        if (drainersStarted > 0) {
            LOG.info("Started {} more drainers", drainersStarted);
        }
        Duration oldest = oldestQueuedAge(queue, selection);
        EmfMetrics.lines(context.getFunctionName(), queue, selection, report, oldest, clock.instant(),
                        context.getAwsRequestId()).forEach(metrics::println);
        metrics.flush();
        return InvocationSummary.of(queue, selection, report, refreshed);
    }

    /**
     * A backfill the input asks for ({@code enqueue}), into the input's or the configured queue; empty when the input
     * asks for none. The summary says what was queued (or, for a dry run, estimated); a run cut short by the
     * invocation's timeout is resumed by invoking it again (what is queued already is counted, not queued twice).
     */
    synchronized Optional<Map<String, Object>> enqueue(Map<String, Object> input, Context context) {
        String queue = InvocationInput.from(input).watchIndex().orElse(baseConfig.watchIndex());
        Optional<EnqueueEvent> event = EnqueueEvent.from(input, queue, clock);
        if (event.isEmpty()) {
            return Optional.empty();
        }
        MDC.put(REQUEST_ID, context.getAwsRequestId());
        try {
            EnqueueEvent e = event.get();
            Map<String, Object> summary = new java.util.LinkedHashMap<>();
            summary.put("queue", queue);
            summary.put("backfill", e.request().backfillId());
            if (e.dryRun()) {
                var estimate = watcher(false).estimate(e.request(), e.sample(), new PrintStream(
                        java.io.OutputStream.nullOutputStream()));
                summary.put("matched", estimate.matched());
                summary.put("sampled", estimate.sampled());
                summary.put("cached", estimate.cached());
                summary.put("estimated_tokens", estimate.estimatedTokens());
                estimate.days().ifPresent(days -> summary.put("days", days));
                return Optional.of(summary);
            }
            var report = watcher(false).enqueue(e.request());
            summary.put("matched", report.matched());
            summary.put("queued", report.result().created());
            summary.put("already_queued", report.result().alreadyQueued());
            summary.put("failed", report.result().failed());
            summary.put("seconds", report.took().toMillis() / 1000.0);
            LOG.info("Backfill {} from {}: {} queued, {} already queued, {} failed", e.request().backfillId(),
                    e.request().selection().from(), report.result().created(), report.result().alreadyQueued(),
                    report.result().failed());
            return Optional.of(summary);
        } catch (InterruptedException interrupted) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while queueing the backfill", interrupted);
        } finally {
            MDC.remove(REQUEST_ID);
        }
    }

    /**
     * Age of the oldest eligible document for the metric. The pass's work is already written: a failing metric
     * query must not fail the invocation (that would count as a Lambda error and retry the event), so it is
     * logged and reported as zero.
     */
    private Duration oldestQueuedAge(String queue, Selection selection) {
        try {
            return watcher.queueAge().oldest(queue, selection, clock.instant()).orElse(Duration.ZERO);
        } catch (QueueUnavailableException e) {
            LOG.warn("Could not measure the oldest queued document's age: {}", e.getMessage());
            return Duration.ZERO;
        }
    }

    /** The watcher for the current credentials; with a secret, rebuilt when the (possibly re-read) secret differs. */
    private Watcher watcher(boolean refreshSecret) {
        if (secret.isEmpty()) {
            return watcher;
        }
        SecretCredentials credentials = refreshSecret ? secret.get().refresh() : secret.get().current();
        if (watcher == null || !credentials.equals(watcherCredentials)) {
            if (watcher != null) {
                watcher.close();
            }
            watcher = Watcher.create(credentials.applyTo(baseConfig), clock, InstanceName.of("lambda-" + kind));
            watcherCredentials = credentials;
        }
        return watcher;
    }

    /** Reads the secret again after refused credentials; true when it changed and the watcher was rebuilt. */
    private boolean rebuildWithFreshSecret() {
        if (secret.isEmpty()) {
            return false;
        }
        LOG.warn("Credentials were refused; reading secret {} again", secret.get().secretId());
        SecretCredentials before = watcherCredentials;
        watcher(true);
        boolean changed = !watcherCredentials.equals(before);
        if (!changed) {
            LOG.warn("Secret {} holds the same credentials that were refused", secret.get().secretId());
        }
        return changed;
    }

    /** Closes the watcher and its connections (the priming runner's; a handler's lives as long as its container). */
    @Override
    public synchronized void close() {
        if (watcher != null) {
            watcher.close();
            watcher = null;
        }
    }
}
