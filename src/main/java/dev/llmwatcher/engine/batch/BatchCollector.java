package dev.llmwatcher.engine.batch;

import dev.llmwatcher.batch.BatchError;
import dev.llmwatcher.batch.BatchProvider;
import dev.llmwatcher.batch.BatchResult;
import dev.llmwatcher.batch.ProviderBatch;
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
import dev.llmwatcher.engine.WriteBack;
import dev.llmwatcher.llm.LlmAnswer;
import dev.llmwatcher.llm.LlmException;
import dev.llmwatcher.llm.TokenUsage;
import dev.llmwatcher.queue.BatchQueue;
import dev.llmwatcher.queue.QueueFields;
import dev.llmwatcher.queue.QueueStore;
import dev.llmwatcher.queue.QueuedDocument;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Clock;
import java.time.Duration;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.Set;

/**
 * Settles the submissions in the queue: looks at each one's batch, and when it has ended streams its output and error
 * files through the same interpretation, merge and bulk write-back as a direct answer. A submission without a batch
 * id (a crash between creating the batch and recording it) is recovered by the batch's metadata; one for which the
 * provider has no batch after {@link BatchSettings#recoveryGrace()} was never paid for and goes back to the queue.
 *
 * <p>A crash while collecting leaves every document not yet written claimed under its submission: the next pass
 * reads the files again and writes the rest (writing an answer again would be harmless: same id, same content).
 */
final class BatchCollector {

    private static final Logger LOG = LoggerFactory.getLogger(BatchCollector.class);

    private final QueueStore store;
    private final BatchQueue batchQueue;
    private final BatchProvider provider;
    private final DocumentProcessor processor;
    private final BatchSettings batch;
    private final EngineSettings engine;
    /** Where a collected answer is kept, when the answer cache is on. */
    private final CachedAnswers cache;
    private final Clock clock;
    private final TokenBudget budget;
    private final BatchBackOff backOff;

    BatchCollector(BatchContext context) {
        this.cache = context.cache();
        this.store = context.store();
        this.batchQueue = context.batchQueue();
        this.provider = context.provider();
        this.processor = context.processor();
        this.batch = context.batch();
        this.engine = context.engine();
        this.clock = context.clock();
        this.budget = context.budget();
        this.backOff = new BatchBackOff(context.refusals(), context.clock());
    }

    BatchReport collect(RunRequest request) {
        BatchReport report = BatchReport.NONE;
        for (BatchQueue.OpenSubmission open : batchQueue.openSubmissions(request.queueIndex())) {
            if (request.stop().isRaised() || !clock.instant().isBefore(request.deadline())) {
                break;
            }
            Optional<String> batchId = open.batchId().or(() -> recover(request.queueIndex(), open));
            if (batchId.isPresent()) {
                report = report.plus(settle(request, open, batchId.get()));
            }
        }
        return report;
    }

    /** Finds the batch of a submission whose id was never recorded, or gives its documents back if there is none. */
    private Optional<String> recover(String queueIndex, BatchQueue.OpenSubmission open) {
        Optional<ProviderBatch> found;
        try {
            found = provider.findByMetadata(BatchSubmitter.SUBMISSION_KEY, open.submission(),
                    open.submittedAt().minus(Duration.ofMinutes(5)));
        } catch (LlmException e) {
            throw new BatchUnavailableException(e);
        }
        List<QueuedDocument> documents = batchQueue.submissionDocuments(queueIndex, open.submission());
        if (found.isPresent()) {
            LOG.info("Recovered batch {} of submission {} ({} documents): its id had not been recorded",
                    found.get().id(), open.submission(), documents.size());
            batchQueue.recordBatchId(queueIndex, documents, found.get().id());
            return Optional.of(found.get().id());
        }
        if (open.submittedAt().plus(batch.recoveryGrace()).isBefore(clock.instant())) {
            LOG.warn("Submission {} ({} documents) has no batch at the provider: nothing was sent for it, so its "
                    + "documents go back to the queue", open.submission(), documents.size());
            store.release(queueIndex, documents);
            releaseHolds(open, documents);
        }
        return Optional.empty();
    }

    private BatchReport settle(RunRequest request, BatchQueue.OpenSubmission open, String batchId) {
        ProviderBatch state;
        try {
            state = provider.get(batchId);
        } catch (LlmException e) {
            if (e.status() == 404) {
                return forgotten(request.queueIndex(), open, batchId);
            }
            throw new BatchUnavailableException(e);
        }
        if (state.open()) {
            return new BatchReport(0, 0, 0, 0, 0, Map.of(), List.of(new BatchReport.OpenBatch(batchId,
                    open.submission(), open.documents(), Duration.between(state.createdAt(), clock.instant()),
                    state.status(), state.counts())));
        }
        List<BatchResult> refusedLines = List.of();
        BatchReport.Refusals refusals = BatchReport.Refusals.NONE;
        if (state.completed()) {
            backOff.completed(request.queueIndex());
        } else if (state.expired()) {
            refusals = new BatchReport.Refusals(0, 1, "", false);
        } else if (state.failed()) {
            Optional<List<BatchResult>> lines = refusedLines(state);
            if (lines.isPresent()) {
                refusedLines = lines.get();
                LOG.warn("Batch {} failed validation: {} of its lines were refused ({}); their documents fail, the "
                        + "others go back to the queue", state.id(), refusedLines.size(), state.errors().getFirst()
                        .describe());
            } else {
                String reason = state.errors().isEmpty() ? "failed without a reason"
                        : state.errors().getFirst().describe();
                backOff.refused(request.queueIndex(), state.id(), open.documents(), reason);
                refusals = new BatchReport.Refusals(1, 0, reason, false);
            }
        }
        return new Settlement(request, open, state, refusedLines).run().withRefusals(refusals);
    }

    /**
     * The lines of a failed batch that its errors name, each as an error result for its document; empty when the
     * batch was refused as a whole (an error names no line, or the lines cannot be told from the file).
     */
    private Optional<List<BatchResult>> refusedLines(ProviderBatch state) {
        if (state.errors().isEmpty() || !state.errors().stream().allMatch(BatchError::namesLine)
                || state.inputFileId().isEmpty()) {
            return Optional.empty();
        }
        List<String> ids = new ArrayList<>();
        try {
            provider.requestIds(state.inputFileId(), ids::add);
        } catch (LlmException e) {
            LOG.warn("Could not read the file of failed batch {} to find the lines its errors name: {}", state.id(),
                    e.getMessage());
            return Optional.empty();
        }
        List<BatchResult> refused = new ArrayList<>();
        for (BatchError error : state.errors()) {
            if (error.line() > ids.size()) {
                return Optional.empty();
            }
            refused.add(BatchResult.failed(ids.get(error.line() - 1), new LlmException(LlmException.Kind.BAD_REQUEST,
                    "the Batch API refused line " + error.line() + " of batch " + state.id() + ": "
                            + error.describe())));
        }
        return Optional.of(refused);
    }

    /** A batch the provider no longer knows (deleted, another account): its documents go back to the queue. */
    private BatchReport forgotten(String queueIndex, BatchQueue.OpenSubmission open, String batchId) {
        List<QueuedDocument> documents = batchQueue.submissionDocuments(queueIndex, open.submission());
        LOG.warn("The provider has no batch {} (submission {}): its {} documents go back to the queue", batchId,
                open.submission(), documents.size());
        store.release(queueIndex, documents);
        releaseHolds(open, documents);
        return new BatchReport(0, 0, 0, 0, documents.size(), Map.of(), List.of());
    }

    /** Gives back the budget a submission held for its documents' models: nothing of it was billed. */
    private void releaseHolds(BatchQueue.OpenSubmission open, List<QueuedDocument> documents) {
        documents.stream().map(BatchCollector::model).distinct()
                .forEach(model -> budget.releaseSubmission(hold(open, model)));
    }

    /** A submission's hold of one model, as the queue documents tell it: its id, the model and the day submitted. */
    private SubmissionHold hold(BatchQueue.OpenSubmission open, String model) {
        return new SubmissionHold(open.submission(), model, LocalDate.ofInstant(open.submittedAt(), ZoneOffset.UTC), 0,
                open.submittedAt().plus(batch.completionWindow()).plus(batch.leaseMargin()), true);
    }

    private static String model(QueuedDocument document) {
        return document.meta().get(QueueFields.MODEL) instanceof String model ? model : QueueFields.DEFAULT_MODEL;
    }

    /** Thrown from the result stream when the pass's time is up: what is not written yet waits for the next pass. */
    private static final class OutOfTime extends RuntimeException {
        OutOfTime() {
            super(null, null, false, false);
        }
    }

    /** The write-back of one ended batch. */
    private final class Settlement {

        private final RunRequest request;
        private final BatchQueue.OpenSubmission open;
        private final String submission;
        private final ProviderBatch state;
        private final Map<String, QueuedDocument> waiting = new LinkedHashMap<>();
        /** The waiting documents prepared, and why the others cannot be. */
        private final Map<String, PreparedDocument> prepared = new HashMap<>();
        private final Map<String, String> invalid = new HashMap<>();
        /** The waiting documents by question: one line's answer is every one's. */
        private final Map<CacheKey, List<String>> askers = new HashMap<>();
        private final WriteBack writeBack;
        private final Map<String, TokenUsage> tokens = new HashMap<>();
        /** Lines a failed batch's validation errors name: their documents fail with the provider's message. */
        private final List<BatchResult> refusedLines;

        Settlement(RunRequest request, BatchQueue.OpenSubmission open, ProviderBatch state,
                   List<BatchResult> refusedLines) {
            this.refusedLines = refusedLines;
            this.request = request;
            this.open = open;
            this.submission = open.submission();
            this.state = state;
            this.writeBack = WriteBack.forPass(store, request, engine, clock);
        }

        BatchReport run() {
            batchQueue.submissionDocuments(request.queueIndex(), submission).forEach(this::await);
            Set<String> models = new HashSet<>();
            waiting.values().forEach(document -> models.add(model(document)));
            try {
                refusedLines.forEach(this::accept);
                for (Optional<String> file : List.of(state.outputFileId(), state.errorFileId())) {
                    if (file.isPresent()) {
                        provider.results(file.get(), this::accept);
                    }
                }
            } catch (LlmException e) {
                writeBack.finish(request.deadline());
                settleBudget(models, true);
                throw new BatchUnavailableException(e);
            } catch (OutOfTime e) {
                LOG.info("The pass's time is up while collecting batch {}: {} documents wait for the next pass",
                        state.id(), waiting.size());
                settleBudget(models, true);
                waiting.clear();
                models.clear();
            }
            settleBudget(models, false);
            String why = state.completed() ? "missing from the output and error files of completed batch "
                    + state.id() : null;
            for (QueuedDocument document : new ArrayList<>(waiting.values())) {
                add(why == null ? new DocumentOutcome.Abandoned(document, "batch " + state.id() + " "
                        + state.status(), false) : new DocumentOutcome.Failed(document, document.attempts(),
                        "openai: " + why, null));
            }
            waiting.clear();
            writeBack.finish(request.deadline());
            WriteBack.Tally tally = writeBack.tally();
            LOG.info("Collected batch {} ({}): {} documents stored, {} failed, {} back in the queue", state.id(),
                    state.status(), tally.processed(), tally.failed(), tally.released());
            return new BatchReport(0, 0, tally.processed(), tally.failed(), tally.released(), Map.copyOf(tokens),
                    List.of()).withUndeclaredFieldsDropped(tally.undeclaredFieldsDropped());
        }

        /** A document of the submission, waiting for its line's result. */
        private void await(QueuedDocument document) {
            waiting.put(document.id(), document);
            try {
                PreparedDocument ready = processor.prepare(document);
                prepared.put(document.id(), ready);
                if (cache.sharesCalls()) {
                    askers.computeIfAbsent(processor.cacheKey(ready), key -> new ArrayList<>()).add(document.id());
                }
            } catch (InvalidDocumentException e) {
                invalid.put(document.id(), e.getMessage());
            }
        }

        private void accept(BatchResult result) {
            if (!clock.instant().isBefore(request.deadline().minus(engine.writeReserve()))) {
                throw new OutOfTime();
            }
            Optional<BatchCustomId> id = BatchCustomId.parse(result.customId())
                    .filter(parsed -> parsed.submission().equals(submission));
            QueuedDocument document = id.map(parsed -> waiting.remove(parsed.documentId())).orElse(null);
            if (document == null) {
                return;
            }
            add(outcome(document, result, true));
            PreparedDocument asked = prepared.get(document.id());
            if (asked != null && cache.sharesCalls()) {
                for (String other : askers.getOrDefault(processor.cacheKey(asked), List.of())) {
                    QueuedDocument sharer = waiting.remove(other);
                    if (sharer != null) {
                        add(outcome(sharer, result, false));
                    }
                }
            }
        }

        /** @param asked true for the document the line was sent for, false for one that asked the same question */
        private DocumentOutcome outcome(QueuedDocument document, BatchResult result, boolean asked) {
            if (result.unanswered()) {
                return new DocumentOutcome.Abandoned(document, "batch " + state.id() + " ended before answering it",
                        false);
            }
            PreparedDocument ready = prepared.get(document.id());
            if (ready == null) {
                return new DocumentOutcome.Failed(document, document.attempts(), invalid.get(document.id()), null);
            }
            if (result.answer().isEmpty()) {
                return processor.failed(ready, result.error().orElseThrow());
            }
            LlmAnswer answer = result.answer().get();
            if (asked) {
                tokens.merge(ready.instructions().model(), answer.usage(), TokenUsage::plus);
            }
            DocumentOutcome outcome = processor.complete(ready, answer, null);
            if (outcome instanceof DocumentOutcome.Completed completed) {
                return asked ? cache.keeping(completed, ready, answer) : completed.reusing(new DocumentOutcome.Reused(
                        ready.instructions().model(), false, answer.usage()));
            }
            return outcome;
        }

        /**
         * Settles the submission's hold of each model with the tokens its collected answers were billed, at the batch
         * price. {@code partly}: documents still wait for their lines (the pass ran out of time, the files could not
         * be read to the end), so their estimate stays held for the pass that collects them.
         */
        private void settleBudget(Set<String> models, boolean partly) {
            for (String model : models) {
                TokenUsage usage = tokens.getOrDefault(model, TokenUsage.NONE);
                long keep = 0;
                if (partly) {
                    keep = Price.BATCH.charge(waiting.values().stream().filter(document -> model.equals(model(document)))
                            .map(document -> prepared.get(document.id())).filter(Objects::nonNull)
                            .mapToLong(ready -> budget.estimate(model, ready.prompt().length(), OptionalLong.empty()))
                            .sum());
                }
                budget.settleSubmission(hold(open, model), usage.promptTokens(), usage.completionTokens(), keep);
            }
        }

        private void add(DocumentOutcome outcome) {
            writeBack.accept(outcome);
            if (writeBack.shouldFlush(engine.flushInterval())) {
                writeBack.flush();
            }
        }
    }
}
