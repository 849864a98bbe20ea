package dev.llmwatcher.engine.batch;

import dev.llmwatcher.batch.BatchProvider;
import dev.llmwatcher.config.BatchSettings;
import dev.llmwatcher.engine.BatchReport;
import dev.llmwatcher.engine.CachedAnswers;
import dev.llmwatcher.engine.DocumentProcessor;
import dev.llmwatcher.engine.EngineSettings;
import dev.llmwatcher.engine.RunRequest;
import dev.llmwatcher.queue.BatchQueue;
import dev.llmwatcher.queue.QueueStore;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Clock;
import java.util.Optional;

/**
 * The batch part of a pass, before its direct calls, in the {@code auto} and {@code always} modes: first what earlier
 * passes submitted is collected, then, when the mode says so, waiting OpenAI documents are submitted. The Batch API
 * being unreachable ends only this part: the direct pass still runs.
 */
public final class BatchDrain {

    private static final Logger LOG = LoggerFactory.getLogger(BatchDrain.class);

    private final BatchCollector collector;
    private final BatchSubmitter submitter;
    private final BatchSettings settings;

    /**
     * @param cache the answer cache, when it is on: a question it answers is stored from it, never sent in a batch,
     *              and a collected answer is kept in it
     */
    public BatchDrain(QueueStore store, BatchQueue batchQueue, BatchProvider provider, DocumentProcessor processor,
                      BatchSettings settings, EngineSettings engine, Optional<CachedAnswers> cache, Clock clock,
                      String instanceName) {
        this.settings = settings;
        this.collector = new BatchCollector(store, batchQueue, provider, processor, settings, engine, cache, clock);
        this.submitter = new BatchSubmitter(store, batchQueue, provider, processor, settings, engine, cache, clock,
                instanceName);
    }

    /**
     * True when the pass's direct calls must leave OpenAI documents alone: always in {@code always} mode, and in
     * {@code auto} mode when this pass submitted (the backlog is over the threshold; what did not fit in this pass's
     * batches waits for the next pass's, instead of being called at the full price).
     */
    public boolean takesOpenAi(BatchReport report) {
        return settings.mode() == BatchSettings.Mode.ALWAYS
                || settings.mode() == BatchSettings.Mode.AUTO && report.submitted() > 0;
    }

    public BatchReport run(RunRequest request) {
        BatchReport report = BatchReport.NONE;
        try {
            report = collector.collect(request);
            if (settings.enabled()) {
                report = report.plus(submitter.submit(request));
            }
        } catch (BatchUnavailableException e) {
            LOG.warn("The Batch API is unavailable, batch work waits for the next pass: {}", e.getMessage());
        }
        if (report.submitted() + report.collected() + report.failed() + report.returned() > 0) {
            LOG.info("Batches: {} documents submitted in {} batches, {} collected, {} failed, {} back in the queue, "
                    + "{} batches open; {} prompt and {} completion tokens billed at the batch price",
                    report.submitted(), report.batches(), report.collected(), report.failed(), report.returned(),
                    report.open().size(), report.tokens().promptTokens(), report.tokens().completionTokens());
        }
        return report;
    }
}
