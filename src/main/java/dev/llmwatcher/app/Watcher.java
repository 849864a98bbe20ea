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
import dev.llmwatcher.queue.ElasticsearchConnection;
import dev.llmwatcher.queue.ElasticsearchQueueStore;
import dev.llmwatcher.queue.QueueStore;
import dev.llmwatcher.queue.Selection;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;

/**
 * The watcher assembled from one configuration: an Elasticsearch connection, the queue store over it, the LLM
 * clients and the engine. The command line and the Lambda handlers each build one and call {@link #runPass};
 * nothing here knows which of them it serves.
 */
public final class Watcher implements AutoCloseable {

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
        return engine.run(new RunRequest(config.watchIndex(), selection, deadline, maxDocuments, stop));
    }

    /** Runs one fully specified pass (another queue index, a progress listener, ...). */
    public RunReport run(RunRequest request) {
        return engine.run(request);
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
