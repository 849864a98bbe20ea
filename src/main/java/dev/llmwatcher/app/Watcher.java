package dev.llmwatcher.app;

import dev.llmwatcher.answer.AnswerInterpreter;
import dev.llmwatcher.answer.ResultMerger;
import dev.llmwatcher.budget.SharedTokenBudget;
import dev.llmwatcher.budget.TokenBudget;
import dev.llmwatcher.config.WatcherConfig;
import dev.llmwatcher.engine.batch.BatchContext;
import dev.llmwatcher.engine.batch.BatchDrain;
import dev.llmwatcher.engine.batch.BatchOperations;
import dev.llmwatcher.engine.BatchWork;
import dev.llmwatcher.engine.CachedAnswers;
import dev.llmwatcher.engine.DocumentProcessor;
import dev.llmwatcher.engine.EngineSettings;
import dev.llmwatcher.engine.RunReport;
import dev.llmwatcher.engine.RunRequest;
import dev.llmwatcher.engine.SpendGate;
import dev.llmwatcher.engine.StopSignal;
import dev.llmwatcher.engine.StoredAnswers;
import dev.llmwatcher.engine.WatcherEngine;
import dev.llmwatcher.config.LlmAccess;
import dev.llmwatcher.config.ProxySettings;
import dev.llmwatcher.llm.bedrock.BedrockRuntime;
import dev.llmwatcher.llm.http.ProxyRoutes;
import dev.llmwatcher.prompt.PromptRenderer;
import dev.llmwatcher.elasticsearch.ClusterAdmin;
import dev.llmwatcher.engine.backfill.EnqueueReport;
import dev.llmwatcher.engine.backfill.EnqueueRequest;
import dev.llmwatcher.engine.backfill.Enqueuer;
import dev.llmwatcher.backfill.BackfillStore;
import dev.llmwatcher.config.SearchEngine;
import dev.llmwatcher.queue.OldestQueued;
import dev.llmwatcher.queue.QueueInspection;
import dev.llmwatcher.queue.QueueRelease;
import dev.llmwatcher.queue.QueueTemplate;
import dev.llmwatcher.store.IndexTemplates;
import dev.llmwatcher.budget.TokenLedger;
import dev.llmwatcher.cache.CacheMaintenance;
import dev.llmwatcher.queue.QueueStore;
import dev.llmwatcher.queue.QueueUnavailableException;
import dev.llmwatcher.queue.Selection;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.PrintStream;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Consumer;

/**
 * The watcher assembled from one configuration: an Elasticsearch connection, the queue store over it, the LLM
 * clients and the engine. The command line and the Lambda handlers each build one and call {@link #runPass};
 * nothing here knows which of them it serves.
 */
public final class Watcher implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(Watcher.class);

    /**
     * Queue indices whose template this process has checked (or is checking), by cluster and index; once per
     * process, not once per pass.
     */
    private static final Set<String> TEMPLATES_CHECKED = ConcurrentHashMap.newKeySet();

    private final WatcherConfig config;
    private final Storage storage;
    private final QueueStore store;
    private final LlmClients llms;
    private final DocumentProcessor processor;
    private final WatcherEngine engine;
    private final Clock clock;

    private Watcher(WatcherConfig config, Clock clock, String instanceName) {
        this.config = config;
        this.clock = clock;
        this.storage = Storage.connect(config.elasticsearch(), config.answerCache().activeIndex());
        this.store = storage.queue();
        this.llms = llmClients(config.llm());
        SpendGate spend = new SpendGate(tokenBudget(config, storage, clock, instanceName));
        this.processor = new DocumentProcessor(spend.meter(llms), new PromptRenderer(),
                new AnswerInterpreter(config.answerPolicy()), new ResultMerger(config.answerPolicy()),
                config.maxPromptChars(), config.answerPolicy().allowedTargetIndices());
        EngineSettings settings = EngineSettings.from(config);
        CachedAnswers cache = config.answerCache().activeIndex().<CachedAnswers>map(index -> new StoredAnswers(
                storage.answers(), processor, config.answerCache().maxAge(), clock)).orElseGet(CachedAnswers::off);
        this.engine = new WatcherEngine(store, processor, settings, clock, instanceName, cache,
                batchDrain(config, settings, cache, clock, instanceName, spend.budget()), spend);
    }

    /**
     * The daily token budgets, shared with every drainer of the cluster through the ledger index; the budget that
     * limits nothing when none is configured. This process holds its shares under a name of its own.
     */
    private static TokenBudget tokenBudget(WatcherConfig config, Storage storage, Clock clock,
                                           String instanceName) {
        if (!config.budget().enabled()) {
            return TokenBudget.UNLIMITED;
        }
        return new SharedTokenBudget(storage.ledgers().apply(config.budget().index()), config.budget().limits(), clock,
                instanceName + "/" + UUID.randomUUID().toString().substring(0, 8), config.llm().callTimeout(),
                config.concurrency());
    }

    /**
     * The batch part of each pass, when the batch mode is on: the OpenAI Batch API at the configured base URL, over
     * the same HTTP client as the direct calls.
     */
    private BatchWork batchDrain(WatcherConfig config, EngineSettings settings, CachedAnswers cache, Clock clock,
                                 String instanceName, TokenBudget budget) {
        if (!config.batch().enabled()) {
            return BatchWork.NONE;
        }
        return new BatchDrain(new BatchContext(store, storage.batches(), llms.openAiBatches(), processor,
                config.batch(), settings, cache, clock, instanceName, budget,
                storage.refusals().apply(config.budget().index())));
    }

    /** The LLM clients of one configuration, over one HTTP client that goes through its proxies. */
    static LlmClients llmClients(LlmAccess llm) {
        ProxySettings proxies = llm.proxies();
        return LlmClients.create(llm.ollamaUrl(), llm.openAiBaseUrl(), llm.openAiApiKey().value(),
                Duration.ofSeconds(10), ProxyRoutes.standard(proxies.http(), proxies.https(), proxies.noProxy()),
                bedrock(llm));
    }

    /**
     * Bedrock as configured; its SDK client is built by the first Bedrock document's call, if any. The socket waits a
     * little longer than a call may take, so a slow answer ends as the call's timeout, not as a broken connection.
     */
    private static BedrockRuntime bedrock(LlmAccess llm) {
        return new BedrockRuntime(new BedrockRuntime.Settings(llm.bedrock().region(), llm.bedrock().endpoint(),
                Duration.ofSeconds(10), llm.callTimeout().plusSeconds(5)));
    }

    /** Builds every client once; nothing is contacted until the first pass. */
    public static Watcher create(WatcherConfig config, Clock clock, String instanceName) {
        return new Watcher(config, clock, instanceName);
    }

    /** One pass over the configured queue: new documents, or failed ones when {@code retry}. */
    public RunReport runPass(Selection selection, Instant deadline, int maxDocuments, StopSignal stop) {
        return run(new RunRequest(config.watchIndex(), selection, deadline, maxDocuments, stop));
    }

    /**
     * Runs one fully specified pass (another queue index, a progress listener, ...). The first pass over a queue
     * index in this process also makes sure its index template is installed: beside the pass, which does not
     * depend on it (it shapes queue indices created later), so its request and its one-time set-up (the JSON
     * resource, the SHA-256 provider) do not delay the first LLM call. The pass returns once the template is in
     * place; a check that failed fails the pass's caller as it would have before the pass, after the pass has
     * written back what it finished.
     */
    public RunReport run(RunRequest request) {
        Optional<TemplateCheck> check = TemplateCheck.startFirst(config.elasticsearch().endpoints() + " "
                + request.queueIndex(), request.queueIndex(), this::ensureQueueTemplate);
        RunReport report;
        try {
            report = engine.run(request);
        } catch (RuntimeException e) {
            check.flatMap(TemplateCheck::await).ifPresent(e::addSuppressed);
            throw e;
        }
        check.flatMap(TemplateCheck::await).ifPresent(failure -> {
            throw failure;
        });
        return report;
    }

    /**
     * The queue template check of one queue index, running on a thread of its own; {@link #startFirst} starts it
     * only for the first pass over that index in this process (and again after one that failed).
     */
    private record TemplateCheck(CompletableFuture<Void> done) {

        static Optional<TemplateCheck> startFirst(String key, String queueIndex, Consumer<String> ensure) {
            if (!TEMPLATES_CHECKED.add(key)) {
                return Optional.empty();
            }
            // A platform thread: an empty pass (most scheduled invocations) starts no virtual thread doing I/O, so
            // no poller thread sits in native code, which would make the JVM's exit wait 300 ms for it.
            return Optional.of(new TemplateCheck(CompletableFuture.runAsync(() -> {
                try {
                    ensure.accept(queueIndex);
                } catch (RuntimeException | Error e) {
                    TEMPLATES_CHECKED.remove(key);
                    throw e;
                }
            }, task -> Thread.ofPlatform().daemon().name("template-check").start(task))));
        }

        /** Waits for the check to end, uninterruptibly (the pass has ended already); what it failed with, if it did. */
        Optional<RuntimeException> await() {
            try {
                done.join();
                return Optional.empty();
            } catch (CompletionException e) {
                if (e.getCause() instanceof Error error) {
                    throw error;
                }
                return Optional.of((RuntimeException) e.getCause());
            }
        }
    }

    /**
     * Installs the queue's index template, so a queue index created later (by the first queued document) maps user
     * fields as stored-only and many pipelines with conflicting field types can share it. Idempotent and cheap (one
     * read when the template is current). A user allowed to drain the queue but not to manage templates (HTTP 403)
     * gets a warning, not a failed run.
     */
    private void ensureQueueTemplate(String queueIndex) {
        try {
            QueueTemplate.Outcome result = storage.queueTemplate().install(queueIndex, config.sortField());
            if (result != QueueTemplate.Outcome.UNCHANGED) {
                LOG.info("Index template {} for the queue {}: {}", IndexTemplates.queueName(queueIndex),
                        queueIndex, result.name().toLowerCase(java.util.Locale.ROOT));
            }
        } catch (QueueUnavailableException e) {
            if (!e.getMessage().contains("HTTP 403")) {
                throw e;
            }
            LOG.warn("Could not install the queue's index template (install it with the setup command): {}",
                    e.getMessage());
        }
    }

    /**
     * Queues a backfill's documents ({@code enqueue --from}) into its queue, the queue's index template installed
     * first (it maps the backfill's bookkeeping fields).
     */
    public EnqueueReport enqueue(EnqueueRequest request) throws InterruptedException {
        ensureQueueTemplate(request.queueIndex());
        return new Enqueuer(storage.backfill(), clock).run(request);
    }

    /** {@code enqueue --dry-run}: the backfill's matches, sample prompts and estimated tokens; nothing queued. */
    public BackfillDryRun.Estimate estimate(EnqueueRequest request, int sampleSize, PrintStream out) {
        return BackfillDryRun.run(storage.backfill(), storage.answers(), processor, request, sampleSize,
                config.budget().limits(), clock, out);
    }

    /** The backfill port over this watcher's cluster: counts, progress, the dry run's sample. */
    public BackfillStore backfillStore() {
        return storage.backfill();
    }

    /** One pass with the configured selection and the configured pass duration. */
    public RunReport runPass(StopSignal stop) {
        Selection selection = config.retryErrors() ? Selection.RETRY : Selection.NEW;
        return runPass(selection, clock.instant().plus(config.passDuration()), Integer.MAX_VALUE, stop);
    }

    public WatcherConfig config() {
        return config;
    }

    public QueueStore store() {
        return store;
    }

    public DocumentProcessor processor() {
        return processor;
    }

    /** Listing and cancelling the queue's batches, whatever the batch mode (what was submitted stays visible). */
    public BatchOperations batchOperations() {
        return new BatchOperations(storage.batches(), llms.openAiBatches(), clock,
                storage.refusals().apply(config.budget().index()));
    }

    /**
     * The installers, inspector, releaser and queue age over this watcher's cluster; closed with the watcher.
     *
     * @throws IllegalStateException on OpenSearch, whose adapter serves the operator commands through the ports
     *                               ({@link #inspection()}, {@link #release()}, ...) but not this administration
     */
    public ClusterAdmin admin() {
        return storage.admin().orElseThrow(() -> new IllegalStateException("the cluster at "
                + config.elasticsearch().endpoints() + " is OpenSearch, whose adapter has no Elasticsearch "
                + "administration (the demo needs Elasticsearch)"));
    }

    /** What is in a queue of this watcher's cluster ({@code status}), on either engine. */
    public QueueInspection inspection() {
        return storage.inspection();
    }

    /** Putting a queue's stuck documents back ({@code release}), on either engine. */
    public QueueRelease release() {
        return storage.release();
    }

    /** The answer cache in {@code index} from the operator's side ({@code status}, {@code cache}), on either engine. */
    public CacheMaintenance cacheMaintenance(String index) {
        return storage.cacheMaintenance().apply(index);
    }

    /** The daily token budgets' ledger in {@code index} ({@code status}), on either engine. */
    public TokenLedger tokenLedger(String index) {
        return storage.ledgers().apply(index);
    }

    /** Which engine serves this watcher's cluster, as decided at start-up. */
    /** The oldest eligible document's age, on either engine (the Lambda metric). */
    public OldestQueued queueAge() {
        return storage.queueAge();
    }

    public SearchEngine engine() {
        return storage.engine();
    }

    @Override
    public void close() {
        try {
            llms.close();
        } finally {
            try {
                storage.closer().close();
            } catch (Exception e) {
                LOG.debug("Closing the cluster's clients failed: {}", e.getMessage());
            }
        }
    }
}
