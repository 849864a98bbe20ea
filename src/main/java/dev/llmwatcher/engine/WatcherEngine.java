package dev.llmwatcher.engine;

import dev.llmwatcher.llm.ProviderNames;
import dev.llmwatcher.queue.Claim;
import dev.llmwatcher.queue.ModelFilter;
import dev.llmwatcher.queue.QueueQuery;
import dev.llmwatcher.queue.QueueStore;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;

/**
 * One pass over the queue with a deadline: the core that the Lambda handlers and the command line share.
 *
 * <p>A {@link ClaimFeed} reads and claims documents a page ahead; a {@link Pass} prepares them, calls the LLM for
 * each on one worker per unit of concurrency (a slow answer holds back no other call, and the worker whose call
 * ended sends the next ready document itself) and writes the outcomes back in bulk. Close to the deadline it starts
 * nothing new, in-flight calls have timeouts that end before it, and everything finished is written back before
 * returning.
 */
public final class WatcherEngine {

    private static final Logger LOG = LoggerFactory.getLogger(WatcherEngine.class);

    private final QueueStore store;
    private final DocumentProcessor processor;
    private final EngineSettings settings;
    private final Clock clock;
    private final String instanceName;
    private final CachedAnswers cache;
    private final BatchWork batchWork;
    private final SpendGate spend;

    public WatcherEngine(QueueStore store, DocumentProcessor processor, EngineSettings settings, Clock clock,
                         String instanceName) {
        this(store, processor, settings, clock, instanceName, CachedAnswers.off(), BatchWork.NONE);
    }

    public WatcherEngine(QueueStore store, DocumentProcessor processor, EngineSettings settings, Clock clock,
                         String instanceName, CachedAnswers cache, BatchWork batchWork) {
        this(store, processor, settings, clock, instanceName, cache, batchWork, SpendGate.unlimited());
    }

    /**
     * @param cache     the answer cache: when it is on, documents whose question it answers cost no call, and
     *                  documents with the same question share one call ({@link CachedAnswers#off()} for off)
     * @param batchWork the batch part of every pass, run before its direct calls ({@link BatchWork#NONE} for none)
     * @param spend     the daily token budgets and the gateways' budgets, whose clients the processor calls through
     *                  ({@link SpendGate#unlimited()} for none)
     */
    public WatcherEngine(QueueStore store, DocumentProcessor processor, EngineSettings settings, Clock clock,
                         String instanceName, CachedAnswers cache, BatchWork batchWork, SpendGate spend) {
        this.spend = spend;
        this.cache = cache;
        this.batchWork = batchWork;
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
        Set<String> spentModels = spend.startPass();
        BatchReport batch;
        try {
            batch = batchWork.run(request);
        } catch (RuntimeException e) {
            spend.endPass();
            throw e;
        }
        return direct(request, batchWork.takesOpenAi(batch), spentModels).withBatch(batch);
    }

    /**
     * The direct calls of a pass; without the OpenAI documents when the batch drain takes them, and without the
     * documents of models whose daily token budget is spent (they wait, unclaimed; counted and said at the end).
     */
    private RunReport direct(RunRequest request, boolean openAiBatched, Set<String> spentModels) {
        Instant started = clock.instant();
        QueueQuery all = new QueueQuery(request.queueIndex(), request.selection(), started, settings.sortField(),
                settings.pageSize());
        QueueQuery query = openAiBatched ? all.excluding(ProviderNames.OPENAI) : all;
        RunReport report;
        try {
            report = direct(request, query.withModels(ModelFilter.excluding(spentModels)), started);
        } catch (RuntimeException e) {
            spend.endPass();
            throw e;
        }
        return report.withBudgets(BudgetWaits.count(store, all, clock, spend.endPass()));
    }

    private RunReport direct(RunRequest request, QueueQuery query, Instant started) {
        long eligible = store.countEligible(query);
        if (eligible == 0) {
            return emptyPass(request, started);
        }
        LibraryWarmUp.startOnce(Thread.ofVirtual().name("warm-up"));
        Claim claim = new Claim(instanceName + "/" + UUID.randomUUID().toString().substring(0, 8),
                request.deadline().plus(settings.claimMargin()));
        try (ClaimFeed feed = ClaimFeed.open(store, query, claim, request.maxDocuments(), spend::admits,
                eligible, clock)) {
            logFound(feed.totalEligible(), request.queueIndex());
            request.listener().started(feed.totalEligible());
            BacklogCount backlogCount = new BacklogCount(store, clock, query);
            Pass pass = new Pass(processor, settings, clock, request, feed,
                    () -> backlogCount.startEarly(feed.leftAtEnd()), WriteBack.forPass(store, request, settings, clock),
                    cache.forPass(processor));
            WriteBack.Tally tally = pass.run();
            long backlog = backlogCount.atEnd(tally);
            RunReport report = new RunReport(feed.totalEligible(), tally.processed(), tally.failed(), tally.parked(),
                    feed.skipped(), tally.backInQueue(), backlog, tally.tokensByModel(), tally.latency(),
                    Duration.between(started, clock.instant()), pass.stoppedBy(), tally.savingsByModel(),
                    BatchReport.NONE, tally.undeclaredFieldsDropped(), tally.latencyByModel(), List.of());
            logProcessed(report);
            return report;
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
        AnswerSavings savings = report.savings();
        if (savings.callsSaved() > 0) {
            LOG.info("Answered {} from the answer cache and {} by sharing another document's call, saving {} calls "
                    + "and {} prompt + {} completion tokens", savings.cacheHits(), savings.sharedCalls(),
                    savings.callsSaved(), savings.tokensSaved().promptTokens(),
                    savings.tokensSaved().completionTokens());
        }
        if (report.undeclaredFieldsDropped() > 0) {
            LOG.warn("Dropped {} answer field{} that their schemas do not declare (see the lines above for each "
                    + "document)", report.undeclaredFieldsDropped(), report.undeclaredFieldsDropped() == 1 ? "" : "s");
        }
        report.stoppedBy().ifPresent(reason -> LOG.info("Pass stopped early: {}", reason));
    }
}
