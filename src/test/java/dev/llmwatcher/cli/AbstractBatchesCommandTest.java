package dev.llmwatcher.cli;

import dev.llmwatcher.app.Watcher;
import dev.llmwatcher.config.ConfigReader;
import dev.llmwatcher.engine.RunReport;
import dev.llmwatcher.engine.StopSignal;
import dev.llmwatcher.queue.Selection;
import dev.llmwatcher.testing.BatchApiServers;
import dev.llmwatcher.testing.FakeLlmServer;
import dev.llmwatcher.testing.FakeLlmServer.Reply;
import dev.llmwatcher.testing.TestElasticsearch;
import org.junit.jupiter.api.AutoClose;
import org.junit.jupiter.api.Test;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Instant;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The {@code batches} command (and the open batches in {@code status}) through the command line, stated once and run
 * against each search engine: a pass submits the queue's OpenAI documents as one batch to a server speaking OpenAI's
 * Files and Batches API, {@code batches} lists it, {@code --cancel} cancels it, and the next pass gives its documents
 * back to the queue and answers each once. One small subclass per engine.
 */
abstract class AbstractBatchesCommandTest {

    private static final int DOCUMENTS = 10;
    private static final String PROMPT = "Document {{ctx.doc}} carries the number {{ctx.n}}.";
    private static final Pattern PROMPT_PATTERN = Pattern.compile("Document (\\S+) carries the number (\\d+)\\.");

    @AutoClose
    private final BatchApiServers servers = new BatchApiServers();
    private final String queue = TestElasticsearch.uniqueIndex("batches-queue");
    private final String target = TestElasticsearch.uniqueIndex("batches-target");
    private final Map<String, String> settings = new HashMap<>();

    /** The cluster's URL. */
    protected abstract URI url();

    /** One request to the cluster over plain HTTP. */
    protected abstract TestElasticsearch.Response send(String method, String path, String json);

    private void queueDocuments() {
        for (int n = 0; n < DOCUMENTS; n++) {
            Map<String, Object> meta = TestElasticsearch.pipelineMeta(target, PROMPT);
            meta.put("provider", "openai");
            meta.put("format", Map.of("type", "object", "properties", Map.of("value", Map.of("type", "integer")),
                    "required", List.of("value")));
            Map<String, Object> source = new LinkedHashMap<>();
            source.put("doc", "doc-" + n);
            source.put("n", n);
            source.put("_llm_watcher", meta);
            send("PUT", "/" + queue + "/_doc/doc-" + n + "?refresh=true", TestElasticsearch.toJson(source))
                    .requireSuccess("queue doc-" + n);
        }
        servers.model().countBy(request -> prompt(request).group(1))
                .respondWith(request -> Reply.text("{\"value\": " + (3 * Integer.parseInt(prompt(request).group(2))
                        + 1) + "}"));
    }

    private static Matcher prompt(FakeLlmServer.Request request) {
        Matcher matcher = PROMPT_PATTERN.matcher(request.prompt() == null ? "" : request.prompt());
        if (!matcher.matches()) {
            throw new IllegalArgumentException("not a numbered document's prompt: " + request.prompt());
        }
        return matcher;
    }

    private Map<String, String> settings(String batchMode) {
        settings.put("ELASTICSEARCH_URL", url().toString());
        settings.put("OLLAMA_API_URL", servers.ollama().baseUrl().toString());
        settings.put("OPENAI_BASE_URL", servers.batches().baseUrl().toString());
        settings.put("OPENAI_API_KEY", "sk-test-batches-key");
        settings.put("LLM_WATCHER_WATCH_INDEX", queue);
        settings.put("LLM_WATCHER_BATCH_MODE", batchMode);
        settings.put("LLM_WATCHER_BATCH_MIN_DOCUMENTS", "1000000");
        return Map.copyOf(settings);
    }

    private RunReport pass(String batchMode) {
        try (Watcher watcher = Watcher.create(ConfigReader.read(settings(batchMode)), Clock.systemUTC(), "test")) {
            return watcher.runPass(Selection.NEW, Instant.now().plusSeconds(120), Integer.MAX_VALUE,
                    StopSignal.never());
        }
    }

    private record Cli(int status, String out) {
    }

    private Cli cli(String... args) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        PrintStream print = new PrintStream(out, true, StandardCharsets.UTF_8);
        int status = Main.standard().run(args, new Console(settings("always"), print, print, Clock.systemUTC()));
        return new Cli(status, out.toString(StandardCharsets.UTF_8));
    }

    @SuppressWarnings("unchecked")
    private String batchIdOf(String id) {
        Map<String, Object> source = (Map<String, Object>) send("GET", "/" + queue + "/_doc/" + id, null)
                .requireSuccess("get " + id).json().get("_source");
        return (String) ((Map<String, Object>) ((Map<String, Object>) source.get("_llm_watcher")).get("batch"))
                .get("id");
    }

    @SuppressWarnings("unchecked")
    private Map<String, Object> stored(String id) {
        TestElasticsearch.Response response = send("GET", "/" + target + "/_doc/" + id, null);
        return response.status() == 404 ? Map.of() : (Map<String, Object>) response.json().get("_source");
    }

    @Test
    void theBatchesCommandListsOpenBatchesAndCancelsOneWhoseDocumentsGoBackToTheQueue() {
        queueDocuments();
        assertThat(pass("always").batch().submitted()).isEqualTo(DOCUMENTS);
        String batchId = batchIdOf("doc-0");

        Cli list = cli("batches");
        Cli status = cli("status");
        Cli cancel = cli("batches", "--cancel", batchId);
        Cli unknown = cli("batches", "--cancel", "batch_unknown");

        assertThat(list.status()).as(list.out()).isZero();
        assertThat(list.out()).contains("Open batches in " + queue, batchId, "in_progress").containsPattern("\\s10\\s");
        assertThat(status.status()).as(status.out()).isZero();
        assertThat(status.out()).contains("Queue " + queue + ": 10 documents", "Open batches in " + queue, batchId);
        assertThat(cancel.status()).as(cancel.out()).isZero();
        assertThat(cancel.out()).contains(batchId, "cancelling");
        assertThat(unknown.status()).isEqualTo(Main.USAGE);

        RunReport collecting = pass("auto");

        assertThat(collecting.batch().returned()).isEqualTo(DOCUMENTS);
        assertThat(collecting.processed()).as("back in the queue, then called directly").isEqualTo(DOCUMENTS);
        assertThat(servers.batches().statusOf(batchId)).isEqualTo("cancelled");
        for (int n = 0; n < DOCUMENTS; n++) {
            assertThat(stored("doc-" + n)).as("doc-" + n).containsEntry("value", 3 * n + 1);
        }
        assertThat(servers.model().callsPerMarker()).hasSize(DOCUMENTS)
                .allSatisfy((id, calls) -> assertThat(calls).isEqualTo(1));
    }
}
