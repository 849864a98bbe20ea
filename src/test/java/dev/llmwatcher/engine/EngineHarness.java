package dev.llmwatcher.engine;

import dev.llmwatcher.engine.batch.BatchContext;
import dev.llmwatcher.engine.batch.BatchDrain;
import dev.llmwatcher.answer.AnswerInterpreter;
import dev.llmwatcher.answer.ResultMerger;
import dev.llmwatcher.batch.BatchProvider;
import dev.llmwatcher.config.BatchSettings;
import dev.llmwatcher.prompt.PromptRenderer;
import dev.llmwatcher.queue.Selection;
import dev.llmwatcher.testing.InMemoryQueueStore;
import dev.llmwatcher.testing.ScriptedLlmClient;
import dev.llmwatcher.testing.ScriptedProviders;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

/**
 * The real engine over the in-memory queue and the scripted LLM: everything between the two ports is the production
 * code, with settings small enough that a pass with a deadline takes a second or two.
 */
public final class EngineHarness {

    public static final String QUEUE = "llm-queue";
    public static final String TARGET = "reviews";
    static final Map<String, Object> SCALE_SCHEMA = Map.of("type", "object",
            "properties", Map.of("scale", Map.of("type", "integer")), "required", List.of("scale"));

    public final InMemoryQueueStore store = new InMemoryQueueStore();
    public final ScriptedLlmClient llm = new ScriptedLlmClient();

    int concurrency = 4;
    int pageSize = 10;
    int flushSize = 50;
    Duration flushInterval = Duration.ofMillis(50);
    Duration callTimeout = Duration.ofSeconds(30);
    Duration writeReserve = Duration.ofMillis(800);
    Duration stopGrace = Duration.ofSeconds(30);
    Duration retryBackoff = Duration.ofSeconds(60);
    /** The answer cache's maximum age; null for the answer cache off. */
    Duration cacheMaxAge;
    /** Where the scripted provider's requests "go", as part of the cache key. */
    String endpoint = "http://ollama.test:11434";

    /** The daily token budgets and gateways' budgets every call goes through; none by default. */
    SpendGate spend = SpendGate.unlimited();

    DocumentProcessor processor() {
        return new DocumentProcessor(spend.meter(new ScriptedProviders(llm, endpoint, List.of("ollama", "openai"))),
                new PromptRenderer(), new AnswerInterpreter(), new ResultMerger(), 100_000);
    }

    EngineSettings settings() {
        return new EngineSettings(pageSize, concurrency, Optional.empty(), callTimeout, 100_000,
                new RetryPolicy(5, retryBackoff, Duration.ofHours(6)), writeReserve, Duration.ofSeconds(60),
                flushSize, flushInterval, stopGrace);
    }

    /** The answer cache over the in-memory store, when {@link #cacheMaxAge} turns it on. */
    CachedAnswers cache(DocumentProcessor processor) {
        return cacheMaxAge == null ? CachedAnswers.off()
                : new StoredAnswers(store, processor, cacheMaxAge, Clock.systemUTC());
    }

    WatcherEngine engine() {
        DocumentProcessor processor = processor();
        return new WatcherEngine(store, processor, settings(), Clock.systemUTC(), "test", cache(processor),
                BatchWork.NONE, spend);
    }

    /** The engine with the batch drain mode over {@code provider}, the in-memory queue keeping its bookkeeping. */
    public WatcherEngine engine(BatchProvider provider, BatchSettings batch) {
        DocumentProcessor processor = processor();
        CachedAnswers cache = cache(processor);
        return new WatcherEngine(store, processor, settings(), Clock.systemUTC(), "test", cache, new BatchDrain(
                new BatchContext(store, store, provider, processor, batch, settings(), cache, Clock.systemUTC(),
                        "test")));
    }

    /** Queues a document whose prompt is {@code Rate: <message>} and whose answer must match the scale schema. */
    /**
     * A pass over {@code documents} reviews ({@code prefix0} on), one call at a time, stopped while its first call is
     * held in flight; the call is answered ({@code {"scale": 5}}) once the stop is raised. Its report.
     */
    RunReport stoppedWhileACallIsHeld(String prefix, int documents) throws Exception {
        concurrency = 1;
        ScriptedLlmClient.Gate answer = new ScriptedLlmClient.Gate();
        llm.answerAll(ScriptedLlmClient.Reply.answer("{\"scale\": 5}").heldBy(answer));
        for (int i = 0; i < documents; i++) {
            queue(prefix + i, "review " + i);
        }
        StopSignal stop = new StopSignal();
        CompletableFuture<RunReport> pass = start(Instant.now().plusSeconds(30), stop);
        llm.awaitInFlight(1, Duration.ofSeconds(10));
        stop.raise();
        answer.open();
        return pass.get(30, TimeUnit.SECONDS);
    }

    void queue(String id, String message) {
        queue(id, message, meta());
    }

    public void queue(String id, String message, Map<String, Object> meta) {
        Map<String, Object> source = new LinkedHashMap<>();
        source.put("message", message);
        source.put("_llm_watcher", meta);
        store.queue(QUEUE, id, source);
    }

    /** The pipeline's {@code _llm_watcher}, as the stored script writes it. */
    public static Map<String, Object> meta() {
        Map<String, Object> meta = new LinkedHashMap<>();
        meta.put("provider", "ollama");
        meta.put("model", "llama3.3");
        meta.put("prompt", "Rate: {{ctx.message}}");
        meta.put("format", SCALE_SCHEMA);
        meta.put("options", null);
        meta.put("_original_index", TARGET);
        return meta;
    }

    RunReport run(Instant deadline) {
        return run(deadline, StopSignal.never());
    }

    RunReport run(Instant deadline, StopSignal stop) {
        return engine().run(new RunRequest(QUEUE, Selection.NEW, deadline, Integer.MAX_VALUE, stop));
    }

    /** Starts a pass on a thread of its own, for a test that acts while it runs. */
    CompletableFuture<RunReport> start(Instant deadline, StopSignal stop) {
        WatcherEngine engine = engine();
        return CompletableFuture.supplyAsync(
                () -> engine.run(new RunRequest(QUEUE, Selection.NEW, deadline, Integer.MAX_VALUE, stop)),
                task -> Thread.ofPlatform().name("pass").start(task));
    }

    public Map<String, Object> queueMeta(String id) {
        return store.meta(QUEUE, id);
    }
}
