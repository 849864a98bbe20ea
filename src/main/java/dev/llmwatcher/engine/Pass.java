package dev.llmwatcher.engine;

import dev.llmwatcher.queue.CompletedDocument;
import dev.llmwatcher.queue.QueuedDocument;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;

/**
 * One pass's documents on their way from the {@link ClaimFeed} to the write-back, in three stages:
 * <ul>
 *   <li>the thread that runs the pass takes claimed documents, checks them and renders their prompts, and queues
 *       them, ready, in the order they were claimed;</li>
 *   <li>one call worker per unit of concurrency takes the next ready document, calls the LLM, interprets the
 *       answer and takes the next one. The thread whose call just ended sends the next request itself, so a
 *       call slot never waits for another thread to be woken, and the concurrency setting is exactly the most
 *       requests the provider sees at once (fewer once its 429 answers have taught the LLM client a lower limit:
 *       {@link dev.llmwatcher.llm.retry.ConcurrencyLimit});</li>
 *   <li>a write-back thread collects the outcomes and writes them in bulk.</li>
 * </ul>
 * Close to the deadline no new call starts, in-flight calls have timeouts that end before it, and everything
 * finished is written back before {@link #run} returns; documents claimed but never called are released.
 */
final class Pass {

    private static final Logger LOG = LoggerFactory.getLogger(Pass.class);
    private static final Duration POLL = Duration.ofMillis(100);
    private static final String TURNED_AWAY = "the pass ended before its call started";

    private final DocumentProcessor processor;
    private final EngineSettings settings;
    private final Clock clock;
    private final RunRequest request;
    private final ClaimFeed feed;
    private final Runnable feedRanDry;
    private final WriteBack writeBack;
    /** How documents get their answers: the answer cache and shared calls, or each its own call. */
    private final PassAnswers answers;

    /** Closed when this thread prepares no more documents. */
    private final ClosableQueue<PreparedDocument> ready = new ClosableQueue<>();
    /** Closed when no more outcomes will come: the write-back thread ends when it has taken the last one. */
    private final ClosableQueue<DocumentOutcome> outcomes = new ClosableQueue<>();
    /**
     * Bounds documents started but not yet written back, so a write-back that falls behind (a slow or cold
     * Elasticsearch) slows the calls down instead of piling up answers that a crash would throw away. The budget
     * is the calls in flight, a page of documents ready for the next free worker, and two bulks of answers (one
     * being written, one filling). Without the page, any bulk slower than usual (the first one, into a target
     * index it creates, took 0.2-0.3 s in drain 1a) left call slots empty at once: the answers waiting for it
     * had used up the budget, so no document was ready when a worker came free.
     */
    private final Semaphore ahead;
    private final AtomicInteger inFlight = new AtomicInteger();
    private final AtomicReference<String> abort = new AtomicReference<>();
    /** Why a worker first turned a document away: the pass stopped early even if every document was prepared. */
    private final AtomicReference<String> turnedAway = new AtomicReference<>();
    private final AtomicReference<RuntimeException> writeFailure = new AtomicReference<>();
    private final TypicalLatency typicalLatency = new TypicalLatency();
    private final ExecutorService workers = Executors.newThreadPerTaskExecutor(
            Thread.ofVirtual().name("llm-call-", 1).factory());
    private String stoppedBy;

    /**
     * @param feedRanDry told once the feed has handed out its last document, while the last calls still run
     * @param writeBack  where the outcomes go; this pass's write-back thread is its only user
     * @param answers    how this pass's documents get their answers ({@link CachedAnswers#forPass})
     */
    Pass(DocumentProcessor processor, EngineSettings settings, Clock clock, RunRequest request, ClaimFeed feed,
         Runnable feedRanDry, WriteBack writeBack, PassAnswers answers) {
        this.answers = answers;
        this.processor = processor;
        this.settings = settings;
        this.clock = clock;
        this.request = request;
        this.feed = feed;
        this.feedRanDry = feedRanDry;
        this.writeBack = writeBack;
        this.ahead = new Semaphore(settings.concurrency() + settings.pageSize() + 2 * settings.flushSize());
    }

    Optional<String> stoppedBy() {
        return Optional.ofNullable(stoppedBy);
    }

    /** Runs the pass to its end; throws only when the queue or the write-back became unusable. */
    WriteBack.Tally run() {
        Thread writer = Thread.ofVirtual().name("write-back").unstarted(this::writeLoop);
        writer.setUncaughtExceptionHandler((t, e) -> writeFailure.set(
                e instanceof RuntimeException re ? re : new IllegalStateException(e)));
        writer.start();
        for (int i = 0; i < settings.concurrency(); i++) {
            workers.execute(this::callLoop);
        }
        try {
            prepareLoop();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            stoppedBy = "interrupted";
        } finally {
            ready.close();
            List<QueuedDocument> leftovers = new ArrayList<>(stopFeed());
            awaitWorkers();
            List<PreparedDocument> unsent = new ArrayList<>();
            ready.drainTo(unsent);
            unsent.forEach(prepared -> leftovers.add(prepared.document()));
            outcomes.close();
            joinUninterruptibly(writer);
            if (stoppedBy == null) {
                stoppedBy = Optional.ofNullable(abort.get()).orElse(turnedAway.get());
            }
            if (writeFailure.get() == null) {
                writeBack.release(leftovers);
                writeBack.finish(lastWriteTry());
            }
        }
        if (writeFailure.get() != null) {
            throw writeFailure.get();
        }
        return writeBack.tally();
    }

    /** Takes claimed documents within the budget and queues them ready for the workers, until none are left. */
    private void prepareLoop() throws InterruptedException {
        while (true) {
            Optional<String> reason = reasonToStop();
            if (reason.isPresent()) {
                stoppedBy = reason.get();
                return;
            }
            if (!ahead.tryAcquire(POLL.toMillis(), TimeUnit.MILLISECONDS)) {
                continue;
            }
            QueuedDocument document = feed.next(POLL);
            if (document == null) {
                ahead.release();
                if (feed.exhausted()) {
                    feedRanDry.run();
                    return;
                }
                continue;
            }
            prepareGroup(document);
        }
    }

    /**
     * Prepares {@code first} with every further document already claimed and waiting (up to a page when the answer
     * cache is on, within the budget), looks their questions up in the answer cache at once, completes the hits and
     * queues the rest for their calls.
     */
    private void prepareGroup(QueuedDocument first) throws InterruptedException {
        List<PreparedDocument> group = new ArrayList<>();
        prepare(first).ifPresent(group::add);
        for (int taken = 1; taken < answers.groupSize(settings.pageSize()) && ahead.tryAcquire(); taken++) {
            QueuedDocument next = feed.next(Duration.ZERO);
            if (next == null) {
                ahead.release();
                break;
            }
            prepare(next).ifPresent(group::add);
        }
        answers.answerFromCache(group, outcomes::add).forEach(ready::add);
    }

    /**
     * The document ready for its call; or empty, its failure queued when it cannot be called (costing no call). A
     * result an earlier pass set aside goes straight to the write-back: its answer was paid for then.
     */
    private Optional<PreparedDocument> prepare(QueuedDocument document) {
        try {
            Optional<CompletedDocument> pending = processor.pendingResult(document);
            if (pending.isPresent()) {
                outcomes.add(new DocumentOutcome.Completed(pending.get(), null));
                return Optional.empty();
            }
            return Optional.of(processor.prepare(document));
        } catch (InvalidDocumentException e) {
            outcomes.add(new DocumentOutcome.Failed(document, document.attempts(), e.getMessage(), null));
        } catch (RuntimeException e) {
            outcomes.add(internalError(document, e));
        }
        return Optional.empty();
    }

    /**
     * A call worker: takes ready documents in order and calls for each, until none will come or the pass should
     * start no more calls. Interrupted only when cancelled at the deadline.
     */
    private void callLoop() {
        try {
            for (PreparedDocument next = ready.take(); next != null; next = ready.take()) {
                Optional<String> reason = reasonToStop();
                if (reason.isPresent()) {
                    turnedAway.compareAndSet(null, reason.get());
                    outcomes.add(new DocumentOutcome.Abandoned(next.document(), TURNED_AWAY, false));
                    return;
                }
                call(next).ifPresent(outcomes::add);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /**
     * The outcome of the document's call; empty when it shares a call another document is making, whose end hands
     * its outcome to the write-back.
     */
    private Optional<DocumentOutcome> call(PreparedDocument prepared) {
        inFlight.incrementAndGet();
        try {
            Optional<DocumentOutcome> outcome = answers.callOrShare(prepared, callTimeout(), outcomes::add);
            if (outcome.orElse(null) instanceof DocumentOutcome.Completed completed && completed.call() != null) {
                typicalLatency.observe(completed.call().latency());
            }
            if (outcome.orElse(null) instanceof DocumentOutcome.Abandoned abandoned && abandoned.stopsRun()) {
                abort.compareAndSet(null, abandoned.reason());
            }
            return outcome;
        } catch (RuntimeException e) {
            return Optional.of(internalError(prepared.document(), e));
        } finally {
            inFlight.decrementAndGet();
        }
    }

    private static DocumentOutcome internalError(QueuedDocument document, RuntimeException e) {
        LOG.warn("Unexpected error processing document {}", document.id(), e);
        return new DocumentOutcome.Failed(document, document.attempts(),
                "internal error: " + e.getClass().getSimpleName() + ": " + e.getMessage(), null);
    }

    /**
     * Waits for the workers to end. Calls still running when only the write reserve is left are cancelled (their
     * documents are released); a call that does not end even then is left behind at the deadline, its document
     * claimed until the claim expires.
     */
    private void awaitWorkers() {
        workers.shutdown();
        boolean interrupted = Thread.interrupted();
        boolean cancelled = false;
        if (interrupted) {
            workers.shutdownNow();
            cancelled = true;
        }
        while (true) {
            try {
                if (workers.awaitTermination(POLL.toMillis(), TimeUnit.MILLISECONDS)) {
                    break;
                }
            } catch (InterruptedException e) {
                interrupted = true;
                workers.shutdownNow();
                cancelled = true;
                continue;
            }
            if (!cancelled && pastDeadline(settings.writeReserve())) {
                LOG.warn("Cancelling {} LLM calls still running at the deadline; their documents are released",
                        inFlight.get());
                workers.shutdownNow();
                cancelled = true;
            } else if (pastDeadline(Duration.ZERO)) {
                LOG.warn("{} LLM calls did not end by the deadline; their documents stay claimed until the "
                        + "claim expires", inFlight.get());
                break;
            }
        }
        if (interrupted) {
            Thread.currentThread().interrupt();
        }
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

    private CallTimeout callTimeout() {
        Duration untilDeadline = untilWriteReserve();
        return untilDeadline.compareTo(settings.callTimeout()) < 0
                ? new CallTimeout(untilDeadline, true)
                : new CallTimeout(settings.callTimeout(), false);
    }

    /**
     * The latest moment to try once more to store results Elasticsearch pushed back: half the write reserve before
     * the deadline, leaving the other half to set them aside and to end the pass.
     */
    private Instant lastWriteTry() {
        return deadline().minus(settings.writeReserve().dividedBy(2));
    }

    private boolean pastDeadline(Duration reserve) {
        return !clock.instant().isBefore(deadline().minus(reserve));
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
     * to write, so when Elasticsearch is slower than the LLM the bulk writes grow instead of falling behind. What
     * is left when the last outcome is in, the pass writes itself.
     */
    private void writeLoop() {
        List<DocumentOutcome> taken = new ArrayList<>();
        while (true) {
            DocumentOutcome first = pollOutcome();
            if (first != null) {
                taken.add(first);
                outcomes.drainTo(taken);
                taken.forEach(writeBack::accept);
                taken.clear();
            }
            if (writeBack.shouldFlush(settings.flushInterval())) {
                int heldBefore = writeBack.held();
                writeBack.flush();
                ahead.release(heldBefore - writeBack.held());
            }
            if (first == null && outcomes.isDrained()) {
                return;
            }
        }
    }

    /**
     * The next outcome, waiting a moment for it. Nothing interrupts the write-back thread (its end is the
     * outcomes' end), so an interrupt only makes this one wait shorter.
     */
    private DocumentOutcome pollOutcome() {
        try {
            return outcomes.poll(POLL);
        } catch (InterruptedException e) {
            return null;
        }
    }

    private static void joinUninterruptibly(Thread thread) {
        boolean interrupted = false;
        while (true) {
            try {
                thread.join();
                break;
            } catch (InterruptedException e) {
                interrupted = true;
            }
        }
        if (interrupted) {
            Thread.currentThread().interrupt();
        }
    }
}
