package dev.llmwatcher.engine;

import dev.llmwatcher.queue.Claim;
import dev.llmwatcher.queue.QueueQuery;
import dev.llmwatcher.queue.QueueStore;
import dev.llmwatcher.queue.QueuedDocument;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.CompletionService;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorCompletionService;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;

/**
 * One pass over the queue with a deadline: the core that the Lambda handlers and the command line share.
 *
 * <p>Three parts run side by side: a {@link ClaimFeed} reads and claims documents a page ahead; this thread starts
 * one virtual thread per claimed document, which renders its prompt and then waits for one of the concurrency's call
 * slots (held for the LLM call alone, so a slow answer never holds back the others and a freed slot goes to a
 * document ready to send); a write-back thread collects the outcomes and writes them in bulk. Close to the deadline it starts nothing new,
 * in-flight calls have timeouts that end before it, and everything finished is written back before returning.
 */
public final class WatcherEngine {

    private static final Logger LOG = LoggerFactory.getLogger(WatcherEngine.class);
    private static final Duration POLL = Duration.ofMillis(100);

    private final QueueStore store;
    private final DocumentProcessor processor;
    private final EngineSettings settings;
    private final Clock clock;
    private final String instanceName;

    public WatcherEngine(QueueStore store, DocumentProcessor processor, EngineSettings settings, Clock clock,
                         String instanceName) {
        this.store = store;
        this.processor = processor;
        this.settings = settings;
        this.clock = clock;
        this.instanceName = instanceName;
    }

    /**
     * Runs one pass. Per-document failures are recorded on the documents and counted in the report; only a queue
     * that cannot be used at all ends the pass with {@link dev.llmwatcher.queue.QueueUnavailableException}.
     */
    public RunReport run(RunRequest request) {
        Instant started = clock.instant();
        QueueQuery query = new QueueQuery(request.queueIndex(), request.selection(), started, settings.sortField(),
                settings.pageSize());
        if (store.countEligible(query) == 0) {
            return emptyPass(request, started);
        }
        LibraryWarmUp.startOnce(Thread.ofVirtual().name("warm-up"));
        Claim claim = new Claim(instanceName + "/" + UUID.randomUUID().toString().substring(0, 8),
                request.deadline().plus(settings.claimMargin()));
        ExecutorService calls = Executors.newVirtualThreadPerTaskExecutor();
        try (ClaimFeed feed = ClaimFeed.open(store, query, claim, request.maxDocuments())) {
            logFound(feed.totalEligible(), request.queueIndex());
            request.listener().started(feed.totalEligible());
            Pass pass = new Pass(request, feed, calls);
            WriteBack.Tally tally = pass.run();
            long backlog = store.countEligible(new QueueQuery(request.queueIndex(), request.selection(),
                    clock.instant(), settings.sortField(), settings.pageSize()));
            RunReport report = new RunReport(feed.totalEligible(), tally.processed(), tally.failed(), tally.parked(),
                    feed.skipped(), tally.released(), backlog, tally.tokensByModel(), tally.latency(),
                    Duration.between(started, clock.instant()), pass.stoppedBy());
            logProcessed(report);
            return report;
        } finally {
            calls.shutdownNow();
        }
    }

    /**
     * A pass over a queue with nothing eligible: one count instead of opening, reading and closing a point in time.
     * Most scheduled invocations find the queue empty, so this is the common case and the cheapest cold start.
     */
    private RunReport emptyPass(RunRequest request, Instant started) {
        logFound(0, request.queueIndex());
        request.listener().started(0);
        return new RunReport(0, 0, 0, 0, 0, 0, 0, java.util.Map.of(), LatencyStats.EMPTY,
                Duration.between(started, clock.instant()), Optional.empty());
    }

    private static void logFound(long found, String queueIndex) {
        if (found > 0) {
            LOG.info("Found {} documents in {} to process", found, queueIndex);
        } else {
            LOG.debug("Found 0 documents in {} to process", queueIndex);
        }
    }

    private static void logProcessed(RunReport report) {
        if (report.handled() > 0 || report.found() > 0) {
            LOG.info("Processed {} documents of {} total. With {} error{}", report.processed(), report.found(),
                    report.failed(), report.failed() == 1 ? "" : "s");
        }
        report.stoppedBy().ifPresent(reason -> LOG.info("Pass stopped early: {}", reason));
    }

    /** The state of one pass, shared by its starting loop and its write-back thread. */
    private final class Pass {

        private final RunRequest request;
        private final ClaimFeed feed;
        private final CompletionService<DocumentOutcome> completions;
        /** LLM calls in flight; fair, so documents call in the order they were claimed. */
        private final Semaphore slots = new Semaphore(settings.concurrency(), true);
        /**
         * Bounds documents started but not yet written back, so a write-back that falls behind (a slow or cold
         * Elasticsearch) slows the calls down instead of piling up answers that a crash would throw away. The budget
         * is the calls in flight, a page of documents ready for the next free slot, and two bulks of answers (one
         * being written, one filling). Without the page, any bulk slower than usual (the first one, into a target
         * index it creates, took 0.2-0.3 s in drain 1a) left call slots empty at once: the answers waiting for it
         * had used up the budget, so no document was ready when a slot came free.
         */
        private final Semaphore ahead = new Semaphore(settings.concurrency() + settings.pageSize()
                + 2 * settings.flushSize());
        private final AtomicReference<String> abort = new AtomicReference<>();
        /** Why the gate first turned a document away: the pass stopped early even if every document was started. */
        private final AtomicReference<String> gateClosed = new AtomicReference<>();
        private final AtomicReference<RuntimeException> writeFailure = new AtomicReference<>();
        private final TypicalLatency typicalLatency = new TypicalLatency();
        private final WriteBack writeBack;
        private final ExecutorService calls;
        private volatile long submitted = -1;
        private String stoppedBy;

        Pass(RunRequest request, ClaimFeed feed, ExecutorService calls) {
            this.request = request;
            this.feed = feed;
            this.calls = calls;
            this.completions = new ExecutorCompletionService<>(calls);
            this.writeBack = new WriteBack(store, request.queueIndex(), settings.retryPolicy(), clock,
                    settings.flushSize(), request.listener());
        }

        Optional<String> stoppedBy() {
            return Optional.ofNullable(stoppedBy);
        }

        WriteBack.Tally run() {
            Thread writer = Thread.ofVirtual().name("write-back").unstarted(this::writeLoop);
            writer.setUncaughtExceptionHandler((t, e) -> writeFailure.set(
                    e instanceof RuntimeException re ? re : new IllegalStateException(e)));
            writer.start();
            long started = 0;
            try {
                started = startCalls();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                stoppedBy = "interrupted";
            } finally {
                List<QueuedDocument> leftovers = stopFeed();
                submitted = started;
                joinQuietly(writer);
                if (stoppedBy == null && abort.get() != null) {
                    stoppedBy = abort.get();
                }
                if (stoppedBy == null && gateClosed.get() != null) {
                    stoppedBy = gateClosed.get();
                }
                if (writeFailure.get() == null) {
                    writeBack.release(leftovers);
                    writeBack.flush();
                }
            }
            if (writeFailure.get() != null) {
                throw writeFailure.get();
            }
            return writeBack.tally();
        }

        private long startCalls() throws InterruptedException {
            long started = 0;
            while (true) {
                Optional<String> reason = reasonToStop();
                if (reason.isPresent()) {
                    stoppedBy = reason.get();
                    return started;
                }
                if (!ahead.tryAcquire(POLL.toMillis(), TimeUnit.MILLISECONDS)) {
                    continue;
                }
                QueuedDocument document = feed.next(POLL);
                if (document == null) {
                    ahead.release();
                    if (feed.exhausted()) {
                        return started;
                    }
                    continue;
                }
                completions.submit(() -> processGuarded(document));
                started++;
            }
        }

        /** The {@link CallGate} of this pass: a call slot, unless the pass should start no more calls. */
        private Optional<CallGate.CallSlot> enterCall() {
            try {
                while (!slots.tryAcquire(POLL.toMillis(), TimeUnit.MILLISECONDS)) {
                    Optional<String> reason = reasonToStop();
                    if (reason.isPresent()) {
                        gateClosed.compareAndSet(null, reason.get());
                        return Optional.empty();
                    }
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                gateClosed.compareAndSet(null, "interrupted");
                return Optional.empty();
            }
            Optional<String> reason = reasonToStop();
            if (reason.isPresent()) {
                slots.release();
                gateClosed.compareAndSet(null, reason.get());
                return Optional.empty();
            }
            Duration timeout = callTimeout();
            return Optional.of(new CallGate.CallSlot(timeout, timeout.compareTo(settings.callTimeout()) < 0,
                    slots::release));
        }

        private Optional<String> reasonToStop() {
            if (request.stop().isRaised()) {
                return Optional.of("stop requested");
            }
            if (writeFailure.get() != null) {
                return Optional.of("write-back failed: " + writeFailure.get().getMessage());
            }
            if (abort.get() != null) {
                return Optional.of(abort.get());
            }
            Duration left = untilWriteReserve();
            if (left.compareTo(EngineSettings.MIN_CALL_TIME) < 0 || left.compareTo(typicalLatency.current()) < 0) {
                return Optional.of("deadline reached");
            }
            return Optional.empty();
        }

        /** The request's deadline, brought forward to the end of the grace period once a stop is asked for. */
        private Instant deadline() {
            return request.stop().raisedAt()
                    .map(raised -> raised.plus(settings.stopGrace()))
                    .filter(graceEnd -> graceEnd.isBefore(request.deadline()))
                    .orElse(request.deadline());
        }

        /**
         * Time left for calls. Compared with the typical latency as is, not capped at the call timeout: a provider
         * whose answers take nearly the whole call timeout must not look like a deadline.
         */
        private Duration untilWriteReserve() {
            return Duration.between(clock.instant(), deadline().minus(settings.writeReserve()));
        }

        private Duration callTimeout() {
            Duration untilDeadline = untilWriteReserve();
            return untilDeadline.compareTo(settings.callTimeout()) < 0 ? untilDeadline : settings.callTimeout();
        }

        private DocumentOutcome processGuarded(QueuedDocument document) {
            try {
                DocumentOutcome outcome = processor.process(document, this::enterCall);
                if (outcome instanceof DocumentOutcome.Completed completed) {
                    typicalLatency.observe(completed.call().latency());
                }
                if (outcome instanceof DocumentOutcome.Abandoned abandoned && abandoned.stopsRun()) {
                    abort.compareAndSet(null, abandoned.reason());
                }
                return outcome;
            } catch (RuntimeException e) {
                LOG.warn("Unexpected error processing document {}", document.id(), e);
                return new DocumentOutcome.Failed(document, document.attempts(),
                        "internal error: " + e.getClass().getSimpleName() + ": " + e.getMessage(), null);
            }
        }

        private List<QueuedDocument> stopFeed() {
            try {
                return feed.stop();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return List.of();
            }
        }

        /**
         * Takes outcomes as they come and writes them in bulk. It takes everything already finished before deciding
         * to write, so when Elasticsearch is slower than the LLM the bulk writes grow instead of falling behind.
         */
        private void writeLoop() {
            long received = 0;
            boolean cancelled = false;
            while (submitted < 0 || received < submitted) {
                int drained = drainCompletions();
                received += drained;
                if (writeBack.shouldFlush(settings.flushInterval())) {
                    int written = writeBack.buffered();
                    writeBack.flush();
                    ahead.release(written);
                }
                if (drained > 0) {
                    continue;
                }
                if (!cancelled && submitted >= 0 && pastDeadline(settings.writeReserve())) {
                    LOG.warn("Cancelling {} LLM calls still running at the deadline; their documents are released",
                            submitted - received);
                    calls.shutdownNow();
                    cancelled = true;
                } else if (submitted >= 0 && received < submitted && pastDeadline(Duration.ZERO)) {
                    LOG.warn("{} LLM calls did not end by the deadline; their documents stay claimed until the "
                            + "claim expires", submitted - received);
                    return;
                }
            }
        }

        /** Waits a moment for one outcome, then takes every other one already finished; returns how many. */
        private int drainCompletions() {
            int drained = 0;
            Future<DocumentOutcome> next = pollCompletion();
            while (next != null) {
                writeBack.accept(outcomeOf(next));
                drained++;
                next = completions.poll();
            }
            return drained;
        }

        private Future<DocumentOutcome> pollCompletion() {
            try {
                return completions.poll(POLL.toMillis(), TimeUnit.MILLISECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return null;
            }
        }

        private boolean pastDeadline(Duration reserve) {
            return !clock.instant().isBefore(deadline().minus(reserve));
        }

        private DocumentOutcome outcomeOf(Future<DocumentOutcome> future) {
            try {
                return future.get();
            } catch (ExecutionException | InterruptedException e) {
                throw new IllegalStateException("document task failed unexpectedly", e);
            }
        }

        private void joinQuietly(Thread thread) {
            try {
                thread.join();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }
}
