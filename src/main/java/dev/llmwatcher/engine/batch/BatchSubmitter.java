package dev.llmwatcher.engine.batch;

import dev.llmwatcher.batch.BatchLimits;
import dev.llmwatcher.batch.BatchProvider;
import dev.llmwatcher.batch.BatchRefusals;
import dev.llmwatcher.batch.ProviderBatch;
import dev.llmwatcher.budget.BudgetExhaustedException;
import dev.llmwatcher.budget.Price;
import dev.llmwatcher.budget.SubmissionHold;
import dev.llmwatcher.budget.TokenBudget;
import dev.llmwatcher.cache.CacheKey;
import dev.llmwatcher.config.BatchSettings;
import dev.llmwatcher.engine.BatchReport;
import dev.llmwatcher.engine.CachedAnswers;
import dev.llmwatcher.engine.DocumentOutcome;
import dev.llmwatcher.engine.DocumentProcessor;
import dev.llmwatcher.engine.EngineSettings;
import dev.llmwatcher.engine.InvalidDocumentException;
import dev.llmwatcher.engine.PreparedDocument;
import dev.llmwatcher.engine.RunRequest;
import dev.llmwatcher.engine.SpendGate;
import dev.llmwatcher.engine.WriteBack;
import dev.llmwatcher.llm.LlmException;
import dev.llmwatcher.llm.ProviderNames;
import dev.llmwatcher.queue.BatchQueue;
import dev.llmwatcher.queue.Claim;
import dev.llmwatcher.queue.QueueQuery;
import dev.llmwatcher.queue.QueueScan;
import dev.llmwatcher.queue.QueueStore;
import dev.llmwatcher.queue.QueuedDocument;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;
import java.util.function.Function;
import java.util.stream.Collectors;
import java.util.stream.LongStream;

/**
 * Sends waiting OpenAI documents to the provider's Batch API: reads and prepares them (a document that cannot be
 * prepared is left to the direct pass, which fails it with its reason at no cost), packs them into files within the
 * provider's limits, and for each file claims its documents under a new submission id, uploads the file, creates the
 * batch and records its id on them. The submission id is on the documents and in the batch's metadata before the
 * batch exists, so a crash between the two is recovered by {@link BatchCollector}, never paid for twice.
 */
final class BatchSubmitter {

    private static final Logger LOG = LoggerFactory.getLogger(BatchSubmitter.class);
    static final String QUEUE_KEY = "llm_watcher_queue";
    static final String SUBMISSION_KEY = "llm_watcher_submission";
    /** A page of the scan that picks the documents to submit. */
    private static final int PAGE = 1000;
    /** Copies of each prompt a submission holds at once (see {@link #select}); two bytes a character. */
    private static final int HELD_COPIES = 4;

    private final QueueStore store;
    private final BatchQueue batchQueue;
    private final BatchProvider provider;
    private final DocumentProcessor processor;
    private final BatchSettings batch;
    private final EngineSettings engine;
    private final CachedAnswers cache;
    private final Clock clock;
    private final String instanceName;
    private final TokenBudget budget;
    private final BatchBackOff backOff;

    BatchSubmitter(BatchContext context) {
        this.cache = context.cache();
        this.store = context.store();
        this.batchQueue = context.batchQueue();
        this.provider = context.provider();
        this.processor = context.processor();
        this.batch = context.batch();
        this.engine = context.engine();
        this.clock = context.clock();
        this.instanceName = context.instanceName();
        this.budget = context.budget();
        this.backOff = new BatchBackOff(context.refusals(), context.clock());
    }

    /** One file's worth of questions under one submission id. */
    private record Submission(String id, List<Question> questions, long bytes) {
    }

    BatchReport submit(RunRequest request) {
        Instant now = clock.instant();
        QueueQuery query = new QueueQuery(request.queueIndex(), request.selection(), now, engine.sortField(), PAGE);
        long waiting = batchQueue.countEligible(query, ProviderNames.OPENAI);
        if (waiting == 0 || batch.mode() == BatchSettings.Mode.AUTO && waiting < batch.minDocuments()) {
            if (waiting > 0) {
                LOG.debug("{} OpenAI documents wait, fewer than --batch-min-documents {}: they are called directly",
                        waiting, batch.minDocuments());
            }
            return BatchReport.NONE;
        }
        Optional<BatchRefusals.Refusals> refused = backOff.pending(request.queueIndex());
        if (refused.isPresent()) {
            return backingOff(request, query, refused.get());
        }
        Selection selection = select(query, Math.min(batch.maxDocumentsPerPass(), request.maxDocuments()));
        BatchReport report = settle(request, selection.unsendable(), processor::withoutCall);
        ToSend toSend = answerFromCache(request, selection.ready());
        report = report.plus(toSend.settled());
        for (Submission submission : pack(toSend.documents())) {
            if (request.stop().isRaised() || !clock.instant().isBefore(request.deadline())) {
                break;
            }
            report = report.plus(send(request.queueIndex(), submission));
        }
        return report;
    }

    /**
     * A pass while the provider's refusals are backed off from: nothing is submitted. Before {@link
     * BatchBackOff#GIVE_UP_AFTER} refusals in a row the documents wait for the next submission; after, in the {@code
     * auto} mode the direct pass calls them, and in the {@code always} mode they fail with the provider's reason (an
     * attempt counted, so {@code --max-attempts} parks them).
     */
    private BatchReport backingOff(RunRequest request, QueueQuery query, BatchRefusals.Refusals refused) {
        if (refused.count() < BatchBackOff.GIVE_UP_AFTER) {
            LOG.info("No batch is submitted until {}: the Batch API refused {} in a row (last: {})",
                    refused.notBefore(), refused.count(), refused.reason());
            return BatchReport.NONE.withRefusals(new BatchReport.Refusals(0, 0, refused.reason(), true));
        }
        if (batch.mode() == BatchSettings.Mode.AUTO) {
            LOG.warn("The Batch API refused {} batches in a row (last: {}): OpenAI documents are called directly "
                    + "until {}", refused.count(), refused.reason(), refused.notBefore());
            return BatchReport.NONE.withRefusals(new BatchReport.Refusals(0, 0, refused.reason(), false));
        }
        List<QueuedDocument> documents = new ArrayList<>();
        try (QueueScan scan = batchQueue.scan(query, ProviderNames.OPENAI)) {
            int limit = Math.min(batch.maxDocumentsPerPass(), request.maxDocuments());
            for (List<QueuedDocument> page = scan.nextPage(); !page.isEmpty() && documents.size() < limit;
                 page = scan.nextPage()) {
                page.stream().limit(limit - documents.size()).forEach(documents::add);
            }
        }
        String error = "openai: the Batch API refused " + refused.count() + " batches in a row, the last at "
                + refused.lastAt() + " (" + refused.reason() + "); no batch is submitted before " + refused.notBefore();
        LOG.warn("{} OpenAI documents fail: {}", documents.size(), error);
        return settle(request, documents, document -> new DocumentOutcome.Failed(document, document.attempts(),
                error, null)).withRefusals(new BatchReport.Refusals(0, 0, refused.reason(), true));
    }

    /**
     * The documents read for a submission: those ready to be sent, and those that are not (a result an earlier pass
     * set aside, or a document that cannot be prepared), which this pass settles itself, since in batch mode no
     * direct pass takes OpenAI documents.
     */
    private record Selection(List<PreparedDocument> ready, List<QueuedDocument> unsendable) {
    }

    /**
     * Reads eligible OpenAI documents, at most {@code limit} ready ones, and prepares them. A submission is held in
     * memory until its files are uploaded (each prompt about four times over: the document, the rendered prompt, its
     * JSON line and the upload's bytes), so the selection also stops once its prompts would take more than
     * {@link #memoryBudget} that way: a small Lambda function submits fewer documents per pass instead of running out
     * of memory, and the next pass submits the rest.
     */
    private Selection select(QueueQuery query, int limit) {
        List<PreparedDocument> ready = new ArrayList<>();
        List<QueuedDocument> unsendable = new ArrayList<>();
        long memory = memoryBudget();
        long held = 0;
        try (QueueScan scan = batchQueue.scan(query, ProviderNames.OPENAI)) {
            for (List<QueuedDocument> page = scan.nextPage(); !page.isEmpty() && ready.size() < limit
                    && held < memory; page = scan.nextPage()) {
                for (QueuedDocument document : page) {
                    if (ready.size() == limit || held >= memory) {
                        break;
                    }
                    Optional<PreparedDocument> prepared = preparable(document);
                    if (prepared.isPresent() && !budget.admits(prepared.get().instructions().model())) {
                        continue;
                    }
                    if (prepared.isPresent()) {
                        ready.add(prepared.get());
                        held += HELD_COPIES * 2L * prepared.get().prompt().length();
                    } else {
                        unsendable.add(document);
                    }
                }
            }
        }
        if (held >= memory) {
            LOG.info("This pass submits {} documents, as many as half the heap holds; the next pass submits more",
                    ready.size());
        }
        return new Selection(ready, unsendable);
    }

    /** Half the heap: what one pass's submission may take. */
    static long memoryBudget() {
        return Runtime.getRuntime().maxMemory() / 2;
    }

    private Optional<PreparedDocument> preparable(QueuedDocument document) {
        try {
            if (processor.pendingResult(document).isPresent()) {
                return Optional.empty();
            }
            return Optional.of(processor.prepare(document));
        } catch (InvalidDocumentException e) {
            return Optional.empty();
        }
    }

    /**
     * Claims documents that are not sent and writes what settles each ({@code outcome} of its claimed version): a
     * stored result, or a failure.
     */
    private BatchReport settle(RunRequest request, List<QueuedDocument> documents,
                               Function<QueuedDocument, DocumentOutcome> outcome) {
        if (documents.isEmpty()) {
            return BatchReport.NONE;
        }
        Claim claim = new Claim(instanceName + "/" + UUID.randomUUID().toString().substring(0, 8),
                request.deadline().plus(engine.claimMargin()));
        WriteBack writeBack = WriteBack.forPass(store, request, engine, clock);
        store.claim(request.queueIndex(), documents, claim).forEach(document -> writeBack.accept(outcome.apply(document)));
        writeBack.finish(request.deadline());
        WriteBack.Tally tally = writeBack.tally();
        return new BatchReport(0, 0, tally.processed(), tally.failed(), 0, Map.of(), List.of(),
                tally.savingsByModel()).withUndeclaredFieldsDropped(tally.undeclaredFieldsDropped());
    }

    /** The documents to send in batches, and the report of those the answer cache answered instead. */
    private record ToSend(List<PreparedDocument> documents, BatchReport settled) {
    }

    /**
     * Takes out the documents whose question the answer cache answers (younger than its maximum age, and still valid
     * for the document), looked up a page at a time, and stores them from the cache: a cached answer is never sent,
     * and paid for, in a batch.
     */
    private ToSend answerFromCache(RunRequest request, List<PreparedDocument> prepared) {
        List<PreparedDocument> unanswered = new ArrayList<>();
        Map<String, DocumentOutcome.Completed> answered = new HashMap<>();
        for (int from = 0; from < prepared.size(); from += PAGE) {
            CachedAnswers.Answered page = cache.answer(prepared.subList(from, Math.min(prepared.size(), from + PAGE)));
            unanswered.addAll(page.unanswered());
            page.completed().forEach(completed -> answered.put(completed.document().id(), completed));
        }
        List<QueuedDocument> documents = prepared.stream().map(PreparedDocument::document)
                .filter(document -> answered.containsKey(document.id())).toList();
        // A claim is conditional on the version read, so the claimed document is the one the answer was merged into.
        return new ToSend(unanswered, settle(request, documents,
                claimed -> answered.get(claimed.id()).claimedAs(claimed)));
    }

    /**
     * The documents asking one question: one line, under the first one's id, answers them all. Without the answer
     * cache each document is a question of its own, as in a direct pass.
     */
    private record Question(List<PreparedDocument> askers, String line) {

        PreparedDocument first() {
            return askers.getFirst();
        }
    }

    /** The documents grouped by their question (the answer cache's key), in their order. */
    private List<List<PreparedDocument>> byQuestion(List<PreparedDocument> prepared) {
        if (!cache.sharesCalls()) {
            return prepared.stream().map(List::of).toList();
        }
        Map<CacheKey, List<PreparedDocument>> groups = new LinkedHashMap<>();
        for (PreparedDocument document : prepared) {
            groups.computeIfAbsent(processor.cacheKey(document), key -> new ArrayList<>()).add(document);
        }
        return List.copyOf(groups.values());
    }

    /** Packs the questions into files within the provider's request and byte limits, one line each. */
    private List<Submission> pack(List<PreparedDocument> prepared) {
        BatchLimits limits = new BatchLimits(Math.min(batch.maxRequests(), provider.limits().maxRequests()),
                Math.min(batch.maxBytes(), provider.limits().maxBytes()));
        List<Submission> files = new ArrayList<>();
        Submission current = empty();
        for (List<PreparedDocument> askers : byQuestion(prepared)) {
            String line = line(current.id(), askers.getFirst());
            long size = line.getBytes(StandardCharsets.UTF_8).length + 1L;
            if (!current.questions().isEmpty() && (current.questions().size() == limits.maxRequests()
                    || current.bytes() + size > limits.maxBytes())) {
                files.add(current);
                current = empty();
                line = line(current.id(), askers.getFirst());
            }
            if (size > limits.maxBytes()) {
                LOG.warn("Document {} is not sent in a batch: its request ({} bytes) is larger than a batch file may "
                        + "be; it is called directly", askers.getFirst().document().id(), size);
                continue;
            }
            current.questions().add(new Question(askers, line));
            current = new Submission(current.id(), current.questions(), current.bytes() + size);
        }
        if (!current.questions().isEmpty()) {
            files.add(current);
        }
        return files;
    }

    private static Submission empty() {
        return new Submission("s-" + UUID.randomUUID().toString().replace("-", "").substring(0, 16),
                new ArrayList<>(), 0);
    }

    private String line(String submission, PreparedDocument document) {
        return provider.requestLine(BatchCustomId.of(submission, document.document().id()),
                DocumentProcessor.request(document, engine.callTimeout()));
    }

    /**
     * Holds one file's budget, claims its documents under its submission id, then uploads it and records the batch's
     * id on them. Questions of a model whose budget cannot cover them are left out, their documents untouched.
     */
    private BatchReport send(String queueIndex, Submission submission) {
        Instant now = clock.instant();
        Instant until = now.plus(batch.completionWindow()).plus(batch.leaseMargin());
        Held held = hold(submission, until);
        if (held.questions().isEmpty()) {
            return BatchReport.NONE;
        }
        Claim lease = new Claim(instanceName + "/" + submission.id(), until);
        List<QueuedDocument> claimed = batchQueue.enterSubmission(queueIndex, held.questions().stream()
                .flatMap(question -> question.askers().stream()).map(PreparedDocument::document).toList(),
                submission.id(), now, lease);
        if (claimed.isEmpty()) {
            held.holds().forEach(budget::releaseSubmission);
            return BatchReport.NONE;
        }
        Set<String> ids = claimed.stream().map(QueuedDocument::id).collect(Collectors.toSet());
        List<String> lines = new ArrayList<>();
        for (Question question : held.questions()) {
            Optional<PreparedDocument> first = question.askers().stream()
                    .filter(asker -> ids.contains(asker.document().id())).findFirst();
            if (first.isPresent()) {
                lines.add(first.get() == question.first() ? question.line() : line(submission.id(), first.get()));
            }
        }
        Optional<ProviderBatch> created = create(queueIndex, submission.id(), lines, now);
        if (created.isEmpty()) {
            store.release(queueIndex, claimed);
            held.holds().forEach(budget::releaseSubmission);
            return BatchReport.NONE;
        }
        ProviderBatch made = created.get();
        batchQueue.recordBatchId(queueIndex, claimed, made.id());
        LOG.info("Submitted {} documents of {} in batch {} (submission {}, {} lines)", claimed.size(), queueIndex,
                made.id(), submission.id(), lines.size());
        return new BatchReport(claimed.size(), 1, 0, 0, 0, Map.of(), List.of(new BatchReport.OpenBatch(made.id(),
                submission.id(), claimed.size(), Duration.ZERO, made.status(), made.counts())));
    }

    /** The questions of a file the token budget covers, and the holds made for them. */
    private record Held(List<Question> questions, List<SubmissionHold> holds) {
    }

    /**
     * Holds each model's share of a file at the batch price: at least its first question's estimate, at most all of
     * them. A model's questions beyond what was granted are left out (their documents wait for a later pass, or the
     * next day), and what was granted beyond the questions kept is given back at once.
     */
    private Held hold(Submission submission, Instant until) {
        Map<String, List<Question>> byModel = new LinkedHashMap<>();
        submission.questions().forEach(question -> byModel.computeIfAbsent(question.first().instructions().model(),
                model -> new ArrayList<>()).add(question));
        List<Question> kept = new ArrayList<>();
        List<SubmissionHold> holds = new ArrayList<>();
        for (Map.Entry<String, List<Question>> entry : byModel.entrySet()) {
            String model = entry.getKey();
            long[] estimates = entry.getValue().stream().mapToLong(question -> estimate(model, question)).toArray();
            SubmissionHold hold;
            try {
                hold = budget.holdSubmission(submission.id(), model, estimates[0], LongStream.of(estimates).sum(),
                        until);
            } catch (BudgetExhaustedException e) {
                LOG.info("{} documents of {} are not submitted: {}", entry.getValue().stream()
                        .mapToInt(question -> question.askers().size()).sum(), model, e.getMessage());
                continue;
            }
            long used = 0;
            int fits = 0;
            while (fits < estimates.length && used + estimates[fits] <= hold.tokens()) {
                used += estimates[fits++];
            }
            if (fits < estimates.length) {
                LOG.info("The token budget of {} covers {} of the {} questions of submission {}; the others wait",
                        model, fits, estimates.length, submission.id());
            }
            if (used < hold.tokens()) {
                budget.settleSubmission(hold, 0, 0, used);
            }
            kept.addAll(entry.getValue().subList(0, fits));
            holds.add(hold);
        }
        return new Held(kept, holds);
    }

    /** A question's estimate, at the batch price. */
    private long estimate(String model, Question question) {
        PreparedDocument first = question.first();
        return Price.BATCH.charge(budget.estimate(model, first.prompt().length(),
                SpendGate.completionCap(DocumentProcessor.request(first, engine.callTimeout()))));
    }

    /**
     * Uploads and creates the batch. When that fails, the batch may still have been made (the answer was lost): it is
     * looked for by its submission id before the documents are given back, so it is never made twice.
     */
    private Optional<ProviderBatch> create(String queueIndex, String submission, List<String> lines, Instant now) {
        try {
            return Optional.of(provider.submit(lines, Map.of(QUEUE_KEY, queueIndex, SUBMISSION_KEY, submission)));
        } catch (LlmException e) {
            LOG.warn("Submitting a batch of {} documents failed: {}", lines.size(), e.getMessage());
            try {
                return provider.findByMetadata(SUBMISSION_KEY, submission, now.minus(Duration.ofMinutes(5)));
            } catch (LlmException again) {
                LOG.warn("Looking for the batch of submission {} failed too ({}); its documents stay claimed and the "
                        + "next pass looks again", submission, again.getMessage());
                throw new BatchUnavailableException(again);
            }
        }
    }
}
