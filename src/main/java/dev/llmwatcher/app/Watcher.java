package dev.llmwatcher.app;

import dev.llmwatcher.answer.AnswerInterpreter;
import dev.llmwatcher.answer.ResultMerger;
import dev.llmwatcher.config.WatcherConfig;
import dev.llmwatcher.engine.DocumentProcessor;
import dev.llmwatcher.engine.EngineSettings;
import dev.llmwatcher.engine.RunReport;
import dev.llmwatcher.engine.RunRequest;
import dev.llmwatcher.engine.StopSignal;
import dev.llmwatcher.engine.WatcherEngine;
import dev.llmwatcher.llm.LlmClients;
import dev.llmwatcher.prompt.PromptRenderer;
import dev.llmwatcher.elasticsearch.ElasticsearchConnection;
import dev.llmwatcher.queue.ElasticsearchQueueStore;
import dev.llmwatcher.queue.QueueStore;
import dev.llmwatcher.queue.QueueTemplateInstaller;
import dev.llmwatcher.queue.QueueUnavailableException;
import dev.llmwatcher.queue.Selection;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The watcher assembled from one configuration: an Elasticsearch connection, the queue store over it, the LLM
 * clients and the engine. The command line and the Lambda handlers each build one and call {@link #runPass};
 * nothing here knows which of them it serves.
 */
public final class Watcher implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(Watcher.class);

    /** Queue indices whose template this process has checked; once per process, not once per pass. */
    private static final Set<String> TEMPLATES_CHECKED = ConcurrentHashMap.newKeySet();

    private final WatcherConfig config;
    private final ElasticsearchConnection connection;
    private final QueueStore store;
    private final DocumentProcessor processor;
    private final WatcherEngine engine;
    private final Clock clock;

    private Watcher(WatcherConfig config, Clock clock, String instanceName) {
        this.config = config;
        this.clock = clock;
        this.connection = ElasticsearchConnection.open(config.elasticsearch());
        this.store = new ElasticsearchQueueStore(connection);
        LlmClients llms = LlmClients.create(config.llm().ollamaUrl(), config.llm().openAiBaseUrl(),
                config.llm().openAiApiKey().value(), Duration.ofSeconds(10));
        this.processor = new DocumentProcessor(llms, new PromptRenderer(), new AnswerInterpreter(),
                new ResultMerger(), config.maxPromptChars());
        this.engine = new WatcherEngine(store, processor, EngineSettings.from(config), clock, instanceName);
    }

    /** Builds every client once; nothing is contacted until the first pass. */
    public static Watcher create(WatcherConfig config, Clock clock, String instanceName) {
        return new Watcher(config, clock, instanceName);
    }

    /** One pass over the configured queue: new documents, or failed ones when {@code retry}. */
    public RunReport runPass(Selection selection, Instant deadline, int maxDocuments, StopSignal stop) {
        ensureQueueTemplate(config.watchIndex());
        return engine.run(new RunRequest(config.watchIndex(), selection, deadline, maxDocuments, stop));
    }

    /** Runs one fully specified pass (another queue index, a progress listener, ...). */
    public RunReport run(RunRequest request) {
        ensureQueueTemplate(request.queueIndex());
        return engine.run(request);
    }

    /**
     * Installs the queue's index template before the first pass over {@code queueIndex} in this process, so a queue
     * index created later (by the first queued document) maps user fields as stored-only and many pipelines with
     * conflicting field types can share it. Idempotent and cheap (one read when the template is current). A user
     * allowed to drain the queue but not to manage templates (HTTP 403) gets a warning, not a failed run.
     */
    private void ensureQueueTemplate(String queueIndex) {
        String key = config.elasticsearch().url() + " " + queueIndex;
        if (TEMPLATES_CHECKED.contains(key)) {
            return;
        }
        try {
            QueueTemplateInstaller.Result result = new QueueTemplateInstaller(connection)
                    .install(queueIndex, config.sortField());
            if (result != QueueTemplateInstaller.Result.UNCHANGED) {
                LOG.info("Index template {} for the queue {}: {}", QueueTemplateInstaller.templateName(queueIndex),
                        queueIndex, result.name().toLowerCase(java.util.Locale.ROOT));
            }
        } catch (QueueUnavailableException e) {
            if (!e.getMessage().contains("HTTP 403")) {
                throw e;
            }
            LOG.warn("Could not install the queue's index template (install it with the setup command): {}",
                    e.getMessage());
        }
        TEMPLATES_CHECKED.add(key);
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

    public ElasticsearchConnection connection() {
        return connection;
    }

    @Override
    public void close() {
        connection.close();
    }
}
