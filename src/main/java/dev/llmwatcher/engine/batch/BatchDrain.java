package dev.llmwatcher.engine.batch;

import dev.llmwatcher.config.BatchSettings;
import dev.llmwatcher.engine.BatchReport;
import dev.llmwatcher.engine.BatchWork;
import dev.llmwatcher.engine.RunRequest;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The batch part of a pass, before its direct calls, in the {@code auto} and {@code always} modes: first what earlier
 * passes submitted is collected, then, when the mode says so, waiting OpenAI documents are submitted. The Batch API
 * being unreachable ends only this part: the direct pass still runs.
 */
public final class BatchDrain implements BatchWork {

    private static final Logger LOG = LoggerFactory.getLogger(BatchDrain.class);

    private final BatchCollector collector;
    private final BatchSubmitter submitter;
    private final BatchSettings settings;

    public BatchDrain(BatchContext context) {
        this.settings = context.batch();
        this.collector = new BatchCollector(context);
        this.submitter = new BatchSubmitter(context);
    }

    /**
     * True when the pass's direct calls must leave OpenAI documents alone: always in {@code always} mode, and in
     * {@code auto} mode when this pass submitted (the backlog is over the threshold; what did not fit in this pass's
     * batches waits for the next pass's, instead of being called at the full price).
     */
    @Override
    public boolean takesOpenAi(BatchReport report) {
        return settings.mode() == BatchSettings.Mode.ALWAYS
                || settings.mode() == BatchSettings.Mode.AUTO && (report.submitted() > 0
                || report.refusals().backingOff());
    }

    @Override
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
                    + "{} batches open, {} refused, {} expired; {} prompt and {} completion tokens billed at the "
                    + "batch price", report.submitted(), report.batches(), report.collected(), report.failed(),
                    report.returned(), report.open().size(), report.refusals().refused(), report.refusals().expired(),
                    report.tokens().promptTokens(), report.tokens().completionTokens());
        }
        return report;
    }
}
