package dev.llmwatcher.engine.batch;

import dev.llmwatcher.batch.BatchProvider;
import dev.llmwatcher.batch.BatchRefusals;
import dev.llmwatcher.budget.TokenBudget;
import dev.llmwatcher.config.BatchSettings;
import dev.llmwatcher.engine.CachedAnswers;
import dev.llmwatcher.engine.DocumentProcessor;
import dev.llmwatcher.engine.EngineSettings;
import dev.llmwatcher.queue.BatchQueue;
import dev.llmwatcher.queue.QueueStore;

import java.time.Clock;

/**
 * What the batch drain's parts ({@link BatchSubmitter}, {@link BatchCollector}) work with, given once.
 *
 * @param store        the queue, for the write-back of collected answers and for releases
 * @param batchQueue   the queue's batch bookkeeping
 * @param provider     the provider's Batch API
 * @param processor    prepares documents, and interprets and merges answers, exactly as for direct calls
 * @param batch        the batch mode's settings
 * @param engine       the pass's settings (sort field, claim margin, call timeout, write-back sizes)
 * @param cache        the answer cache: a question it answers is stored from it, never sent in a batch, and a
 *                     collected answer is kept in it ({@link CachedAnswers#off()} when it is off)
 * @param instanceName names this process in claims and submissions
 * @param budget       the daily token budget: a submission holds its estimate (at the batch price) before its upload,
 *                     and settles it with the tokens billed at collection ({@link TokenBudget#UNLIMITED} for none)
 * @param refusals     the batches refused in a row, shared by every drainer of the queue
 */
public record BatchContext(QueueStore store, BatchQueue batchQueue, BatchProvider provider,
                           DocumentProcessor processor, BatchSettings batch, EngineSettings engine,
                           CachedAnswers cache, Clock clock, String instanceName, TokenBudget budget,
                           BatchRefusals refusals) {

    /** Refusals remembered by this process only. */
    public BatchContext(QueueStore store, BatchQueue batchQueue, BatchProvider provider, DocumentProcessor processor,
                        BatchSettings batch, EngineSettings engine, CachedAnswers cache, Clock clock,
                        String instanceName, TokenBudget budget) {
        this(store, batchQueue, provider, processor, batch, engine, cache, clock, instanceName, budget,
                BatchRefusals.thisProcessOnly());
    }

    /** Without a daily token budget. */
    public BatchContext(QueueStore store, BatchQueue batchQueue, BatchProvider provider, DocumentProcessor processor,
                        BatchSettings batch, EngineSettings engine, CachedAnswers cache, Clock clock,
                        String instanceName) {
        this(store, batchQueue, provider, processor, batch, engine, cache, clock, instanceName, TokenBudget.UNLIMITED);
    }
}
