package dev.llmwatcher.engine;

import dev.llmwatcher.llm.TokenUsage;
import dev.llmwatcher.queue.CompletedDocument;
import dev.llmwatcher.queue.FailureRecord;
import dev.llmwatcher.queue.QueueBusyException;
import dev.llmwatcher.queue.QueueFields;
import dev.llmwatcher.queue.QueueStore;
import dev.llmwatcher.queue.QueueUnavailableException;
import dev.llmwatcher.queue.QueuedDocument;
import dev.llmwatcher.queue.WriteOutcome;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;

/**
 * Collects finished documents and writes them back in bulk: results to their target indices (then removed from
 * the queue), failures onto their queue documents, abandoned claims released. It runs on one thread and owns all
 * its counters, so the tally it returns needs no synchronisation.
 *
 * <p>Back-pressure from Elasticsearch (a result answered 429, or a whole result bulk answered 429/503) is not the
 * document's fault, and its answer is already paid for: the result is kept and written again after a {@link
 * Backoff}, with the next bulk, without counting an attempt. Meanwhile every other outcome is written as usual, so
 * one pushed-back result holds nothing else back. What Elasticsearch still will not take when the pass's time is up
 * is set aside on its queue document for the next pass to store without calling the LLM. Failure records and
 * releases that Elasticsearch answers as busy are kept and sent again after a backoff too, so a busy cluster does not
 * end the pass.
 */
public final class WriteBack {

    private static final Logger LOG = LoggerFactory.getLogger(WriteBack.class);
    /** Document ids named in one warning at most. */
    private static final int SHOWN_IDS = 20;

    private final QueueStore store;
    private final String queueIndex;
    private final RetryPolicy retryPolicy;
    private final Clock clock;
    private final int flushSize;
    private final PassListener listener;

    private final List<DocumentOutcome.Completed> completed = new ArrayList<>();
    /** Results Elasticsearch pushed back, each waiting to be written again. */
    private final List<PushedBack> pushedBack = new ArrayList<>();
    private final List<FailureRecord> failures = new ArrayList<>();
    private final List<QueuedDocument> releases = new ArrayList<>();
    private final BusyWait failuresBusy;
    private final BusyWait releasesBusy;
    private final Map<String, TokenUsage> tokensByModel = new HashMap<>();
    private final Map<String, AnswerSavings> savingsByModel = new HashMap<>();
    private final Map<String, List<Long>> latenciesByModel = new HashMap<>();
    private long[] latencies = new long[64];
    private int latencyCount;
    private int processed;
    private int failed;
    private int parked;
    private int released;
    private int setAside;
    private int undeclaredFieldsDropped;
    /** Backfilled results not stored because the application changed or deleted the source since (not failures). */
    private int superseded;
    private int supersededLogged;
    private boolean pushBackLogged;
    private Instant oldestBuffered;

    WriteBack(QueueStore store, String queueIndex, RetryPolicy retryPolicy, Clock clock, int flushSize,
              PassListener listener) {
        this.listener = listener;
        this.store = store;
        this.queueIndex = queueIndex;
        this.retryPolicy = retryPolicy;
        this.clock = clock;
        this.flushSize = flushSize;
        this.failuresBusy = new BusyWait(Backoff.QUEUE_WRITES, clock);
        this.releasesBusy = new BusyWait(Backoff.QUEUE_WRITES, clock);
    }

    /** The write-back of one pass (or batch step) over {@code request}'s queue, as the engine settings size it. */
    public static WriteBack forPass(QueueStore store, RunRequest request, EngineSettings settings, Clock clock) {
        return new WriteBack(store, request.queueIndex(), settings.retryPolicy(), clock, settings.flushSize(),
                request.listener());
    }

    /**
     * The counts of one pass's write-back. {@code setAside} results were answered but set aside on their queue
     * documents because Elasticsearch would not take them in time.
     */
    public record Tally(int processed, int failed, int parked, int released, int setAside,
                 Map<String, TokenUsage> tokensByModel, LatencyStats latency,
                 Map<String, AnswerSavings> savingsByModel, int undeclaredFieldsDropped,
                 Map<String, LatencyStats> latencyByModel) {

        /** Documents this pass gave back to the queue without an attempt: eligible again at once. */
        int backInQueue() {
            return released + setAside;
        }
    }

    /** A result Elasticsearch pushed back {@code retries} times, to be written again at {@code due}. */
    private record PushedBack(DocumentOutcome.Completed done, int retries, Instant due) {
    }

    public void accept(DocumentOutcome outcome) {
        if (oldestBuffered == null) {
            oldestBuffered = clock.instant();
        }
        switch (outcome) {
            case DocumentOutcome.Completed done -> {
                countCall(done.call());
                undeclaredFieldsDropped += done.undeclaredFieldsDropped();
                if (done.reused() != null) {
                    savingsByModel.merge(done.reused().model(), AnswerSavings.of(done.reused()), AnswerSavings::plus);
                }
                completed.add(done);
            }
            case DocumentOutcome.Failed failure -> {
                countCall(failure.call());
                failures.add(failureRecord(failure.document(), failure.priorAttempts(), failure.error()));
            }
            case DocumentOutcome.Abandoned abandoned -> releases.add(abandoned.document());
        }
    }

    /** Outcomes accepted and not settled yet: waiting for the next write, or pushed back and waiting to be retried. */
    int held() {
        return completed.size() + failures.size() + releases.size() + pushedBack.size();
    }

    /**
     * True when enough is buffered for a bulk write, something waited {@code interval}, or a pushed-back result's
     * wait is over.
     */
    public boolean shouldFlush(Duration interval) {
        int failuresToWrite = failuresBusy.over() ? failures.size() : 0;
        return completed.size() + failuresToWrite >= flushSize || due(interval) || retryDue();
    }

    /** Leaves documents claimed but never started to the next run at once. */
    void release(List<QueuedDocument> documents) {
        releases.addAll(documents);
    }

    /** True when something waited at least {@code interval} since it was buffered. */
    boolean due(Duration interval) {
        return oldestBuffered != null && !clock.instant().isBefore(oldestBuffered.plus(interval));
    }

    /** Writes everything buffered, and the pushed-back results whose wait is over. */
    public void flush() {
        oldestBuffered = null;
        List<PushedBack> batch = new ArrayList<>();
        completed.forEach(done -> batch.add(new PushedBack(done, 0, null)));
        completed.clear();
        Instant now = clock.instant();
        for (Iterator<PushedBack> waiting = pushedBack.iterator(); waiting.hasNext(); ) {
            PushedBack next = waiting.next();
            if (!next.due().isAfter(now)) {
                batch.add(next);
                waiting.remove();
            }
        }
        if (!batch.isEmpty()) {
            storeCompleted(batch);
        }
        if (!failures.isEmpty() && failuresBusy.over()) {
            recordFailures();
        }
        if (!releases.isEmpty() && releasesBusy.over()) {
            releaseClaims();
        }
        listener.written(processed, failed);
    }

    private void recordFailures() {
        try {
            store.recordFailures(queueIndex, List.copyOf(failures));
        } catch (QueueBusyException e) {
            failuresBusy.busy();
            logPushBack(failures.size(), e.getMessage());
            return;
        }
        failuresBusy.cleared();
        for (FailureRecord record : failures) {
            LOG.error("Error processing document (id: {}): {}", record.queued().id(), record.error());
        }
        failures.clear();
    }

    private void releaseClaims() {
        try {
            store.release(queueIndex, List.copyOf(releases));
        } catch (QueueBusyException e) {
            releasesBusy.busy();
            logPushBack(releases.size(), e.getMessage());
            return;
        }
        releasesBusy.cleared();
        released += releases.size();
        releases.clear();
    }

    /**
     * Writes everything left at the end of the pass. What Elasticsearch keeps pushing back is written again as its
     * wait ends while the next try can start by {@code lastTry}; results it has still not taken then (or when the
     * thread is interrupted) are set aside, failure records and releases are given up with a warning.
     */
    public void finish(Instant lastTry) {
        flush();
        while (held() > 0) {
            Instant next = nextTry();
            if (next.isAfter(lastTry) || !waitUntil(next)) {
                giveUp();
                return;
            }
            flush();
        }
    }

    /** When the earliest of the writes Elasticsearch pushed back may be tried again. */
    private Instant nextTry() {
        Instant now = clock.instant();
        Instant next = pushedBack.stream().map(PushedBack::due).min(Instant::compareTo).orElse(Instant.MAX);
        if (!failures.isEmpty()) {
            next = min(next, failuresBusy.until().orElse(now));
        }
        if (!releases.isEmpty()) {
            next = min(next, releasesBusy.until().orElse(now));
        }
        return next;
    }

    private static Instant min(Instant a, Instant b) {
        return a.isBefore(b) ? a : b;
    }

    /** The pass's time is up: sets the waiting results aside and says what else stays as it is. */
    private void giveUp() {
        if (!failures.isEmpty()) {
            LOG.warn("Elasticsearch was too busy to record the failures of {} documents before the pass's deadline; "
                    + "they stay claimed until their claims expire and are then tried again without this attempt "
                    + "counted", failures.size());
            failures.clear();
        }
        if (!releases.isEmpty()) {
            LOG.warn("Elasticsearch was too busy to release the claims on {} documents before the pass's deadline; "
                    + "the next run takes them once their claims expire", releases.size());
            releases.clear();
        }
        if (!pushedBack.isEmpty()) {
            setAsideRemaining();
        }
    }

    public Tally tally() {
        Map<String, LatencyStats> byModel = new HashMap<>();
        latenciesByModel.forEach((model, millis) -> byModel.put(model,
                LatencyStats.ofMillis(millis.stream().mapToLong(Long::longValue).toArray())));
        return new Tally(processed, failed, parked, released, setAside, Map.copyOf(tokensByModel),
                LatencyStats.ofMillis(Arrays.copyOf(latencies, latencyCount)), Map.copyOf(savingsByModel),
                undeclaredFieldsDropped, Map.copyOf(byModel));
    }

    private boolean retryDue() {
        if (!failures.isEmpty() && failuresBusy.until().isPresent() && failuresBusy.over()
                || !releases.isEmpty() && releasesBusy.until().isPresent() && releasesBusy.over()) {
            return true;
        }
        Instant now = clock.instant();
        return pushedBack.stream().anyMatch(waiting -> !waiting.due().isAfter(now));
    }

    /** Sleeps until {@code moment}; false when interrupted (the flag is restored). */
    private boolean waitUntil(Instant moment) {
        long millis = Duration.between(clock.instant(), moment).toMillis();
        if (millis <= 0) {
            return !Thread.currentThread().isInterrupted();
        }
        try {
            TimeUnit.MILLISECONDS.sleep(millis);
            return true;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
    }

    private void storeCompleted(List<PushedBack> batch) {
        List<CompletedDocument> results = batch.stream().map(waiting -> waiting.done().result()).toList();
        List<WriteOutcome> outcomes;
        try {
            outcomes = store.store(queueIndex, results);
        } catch (QueueBusyException e) {
            logPushBack(batch.size(), e.getMessage());
            batch.forEach(this::writeAgainLater);
            return;
        }
        int pushed = 0;
        String pushReason = null;
        for (int i = 0; i < outcomes.size(); i++) {
            DocumentOutcome.Completed done = batch.get(i).done();
            WriteOutcome outcome = outcomes.get(i);
            if (outcome.pushedBack()) {
                writeAgainLater(batch.get(i));
                pushed++;
                pushReason = outcome.error().orElse("HTTP 429");
            } else if (outcome.superseded()) {
                superseded++;
                LOG.debug("Result for {} not stored: {}", outcome.id(), outcome.error().orElse("superseded"));
            } else if (outcome.stored()) {
                processed++;
                outcome.error().ifPresent(reason -> LOG.warn("Document {} was stored in {} but is still queued: {}",
                        outcome.id(), done.result().targetIndex(), reason));
            } else {
                String reason = outcome.error().orElse("unknown reason");
                int prior = done.document().attempts();
                failures.add(failureRecord(done.document(), prior,
                        "Elasticsearch rejected the result for index " + done.result().targetIndex() + ": " + reason));
            }
        }
        if (pushed > 0) {
            logPushBack(pushed, pushReason);
        }
        if (superseded > supersededLogged) {
            LOG.info("{} backfilled documents were changed or deleted by the application while queued: their "
                    + "results were not written over the application's version (changed ones are queued again)",
                    superseded - supersededLogged);
            supersededLogged = superseded;
        }
    }

    private void writeAgainLater(PushedBack waiting) {
        int retries = waiting.retries() + 1;
        pushedBack.add(new PushedBack(waiting.done(), retries,
                clock.instant().plus(Backoff.QUEUE_WRITES.delay(retries, ThreadLocalRandom.current()))));
    }

    private void logPushBack(int documents, String reason) {
        if (!pushBackLogged) {
            pushBackLogged = true;
            LOG.warn("Elasticsearch pushed back the write of {} documents ({}); writing them again with backoff, "
                    + "within the pass's time, without counting an attempt", documents, reason);
        } else {
            LOG.debug("Elasticsearch pushed back the write of {} documents again: {}", documents, reason);
        }
    }

    /**
     * Sets the results Elasticsearch would not take in time aside on their queue documents, for the next pass to
     * store without calling the LLM. Those it will not even set aside stay claimed until their claims expire, and
     * are then answered, and paid for, again.
     */
    private void setAsideRemaining() {
        List<CompletedDocument> results = pushedBack.stream().map(waiting -> waiting.done().result()).toList();
        pushedBack.clear();
        Set<String> kept;
        try {
            kept = Set.copyOf(store.setAside(queueIndex, results));
        } catch (QueueBusyException e) {
            warnPaidAgain(results, Set.of(), " (" + e.getMessage() + ")");
            return;
        } catch (QueueUnavailableException e) {
            warnPaidAgain(results, Set.of(), " (" + e.getMessage() + ")");
            throw e;
        }
        setAside += kept.size();
        if (!kept.isEmpty()) {
            LOG.warn("Elasticsearch did not take {} results before the pass's deadline; they are set aside on their "
                    + "queue documents (_llm_watcher.{}) and the next pass stores them without calling the LLM",
                    kept.size(), QueueFields.PENDING_RESULT);
        }
        warnPaidAgain(results, kept, "");
    }

    private static void warnPaidAgain(List<CompletedDocument> results, Set<String> setAside, String why) {
        List<String> lost = results.stream().map(result -> result.queued().id()).filter(id -> !setAside.contains(id))
                .toList();
        if (!lost.isEmpty()) {
            LOG.warn("The results of {} documents (ids {}{}) could be neither stored nor set aside{}; they stay "
                    + "claimed until their claims expire, and their LLM calls will then be paid for again",
                    lost.size(), String.join(", ", lost.subList(0, Math.min(lost.size(), SHOWN_IDS))),
                    lost.size() > SHOWN_IDS ? ", ..." : "", why);
        }
    }

    private FailureRecord failureRecord(QueuedDocument document, int priorAttempts, String error) {
        int attempts = priorAttempts + 1;
        Instant now = clock.instant();
        boolean parks = retryPolicy.parks(attempts);
        failed++;
        if (parks) {
            parked++;
        }
        return new FailureRecord(document, error, attempts, now, retryPolicy.nextAttempt(attempts, now), parks);
    }

    private void countCall(DocumentOutcome.LlmCall call) {
        if (call == null) {
            return;
        }
        tokensByModel.merge(call.model(), call.usage(), TokenUsage::plus);
        if (latencyCount == latencies.length) {
            latencies = Arrays.copyOf(latencies, latencies.length * 2);
        }
        latencies[latencyCount++] = call.providerLatency().toMillis();
        latenciesByModel.computeIfAbsent(call.model(), model -> new ArrayList<>()).add(call.providerLatency()
                .toMillis());
    }
}
