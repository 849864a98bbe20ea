package dev.llmwatcher.cli;

import dev.llmwatcher.store.IndexTemplates;
import dev.llmwatcher.testing.TestElasticsearch;
import org.junit.jupiter.api.Test;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * {@code setup} installs the queue's, the answer cache's and the token ledger's index templates once (created, then
 * unchanged), and indices created afterwards get their mappings and settings: user fields of the queue unindexed, the
 * configured sort field mapped, the cached answer stored but not indexed, the ledger's day a date. Stated once and run
 * against each search engine, one small subclass per engine.
 */
abstract class AbstractSetupCommandTest {

    private final String queue = TestElasticsearch.uniqueIndex("os-setup-queue");
    private final String cache = TestElasticsearch.uniqueIndex("os-setup-cache");
    private final String ledger = TestElasticsearch.uniqueIndex("os-setup-ledger");
    private final ByteArrayOutputStream out = new ByteArrayOutputStream();
    private final ByteArrayOutputStream err = new ByteArrayOutputStream();

    /** The cluster's URL. */
    protected abstract URI url();

    /** One request to the cluster over plain HTTP. */
    protected abstract TestElasticsearch.Response send(String method, String path, String json);

    /** What {@code setup} exits with on this engine's test cluster (Elasticsearch's has no painless). */
    protected abstract int setupStatus();

    private void index(String index, String id, Map<String, ?> source) {
        send("PUT", "/" + index + "/_doc/" + id + "?refresh=true", TestElasticsearch.toJson(source))
                .requireSuccess("index " + index + "/" + id);
    }

    private String setup() {
        out.reset();
        Console console = new Console(Map.of("ELASTICSEARCH_URL", url().toString(),
                "LLM_WATCHER_WATCH_INDEX", queue, "LLM_WATCHER_ANSWER_CACHE_INDEX", cache,
                "LLM_WATCHER_TOKEN_BUDGET_INDEX", ledger, "LLM_WATCHER_SORT_FIELD", "priority:long"),
                new PrintStream(out, true, StandardCharsets.UTF_8), new PrintStream(err, true, StandardCharsets.UTF_8),
                Clock.systemUTC());
        assertThat(Main.standard().run(new String[] {"setup", "--prompt", "{{ctx.message}}"}, console))
                .as(err.toString(StandardCharsets.UTF_8)).isEqualTo(setupStatus());
        return out.toString(StandardCharsets.UTF_8);
    }

    private String mapping(String index) {
        return send("GET", "/" + index + "/_mapping", null).requireSuccess("mapping of " + index).body();
    }

    @Test
    void setupInstallsTheThreeTemplatesOnceAndNewIndicesGetTheirMappings() {
        String first = setup();
        String second = setup();
        index(queue, "1", Map.of("message", "hi", "priority", 3, "_llm_watcher",
                Map.of("model", "llama3.3", "error", "HTTP 500", "_original_index", "reviews")));
        index(cache, "k1", Map.of("model", "llama3.3", "answered_at", "2026-03-01T11:00:00Z",
                "answer", "{\"scale\": 7}"));
        index(ledger, "2026-03-01-llama3.3", Map.of("model", "llama3.3", "day", "2026-03-01",
                "spent", 10, "leases", Map.of("drainer-1", Map.of("tokens", 5))));

        for (String template : new String[] {IndexTemplates.queueName(queue), IndexTemplates.cacheName(cache),
                IndexTemplates.ledgerName(ledger)}) {
            assertThat(first).containsPattern("index template " + template + " +created");
            assertThat(second).containsPattern("index template " + template + " +unchanged");
        }
        assertThat(mapping(queue)).contains("\"dynamic\":\"false\"").doesNotContain("\"message\"")
                .containsPattern("\"priority\":\\{\"type\":\"long\"")
                .containsPattern("\"_original_index\":\\{\"type\":\"keyword\"")
                .containsPattern("\"error\":\\{\"type\":\"text\",\"fields\":\\{\"keyword\"");
        assertThat(send("GET", "/" + queue + "/_settings?flat_settings=true", null).body())
                .contains("\"index.refresh_interval\":\"30s\"", "\"index.merge.policy.deletes_pct_allowed\":\"50\"");
        assertThat(mapping(cache)).contains("\"dynamic\":\"false\"")
                .containsPattern("\"answer\":\\{\"type\":\"text\",\"index\":false\\}");
        assertThat(mapping(ledger)).containsPattern("\"day\":\\{\"type\":\"date\",\"format\":\"strict_date\"\\}")
                .containsPattern("\"leases\":\\{\"type\":\"object\",\"enabled\":false\\}");
    }

    @Test
    void theFirstPassOverAQueueInstallsItsTemplateWithoutSetup() {
        String template = IndexTemplates.queueName(queue);
        Console console = new Console(Map.of("ELASTICSEARCH_URL", url().toString(), "LLM_WATCHER_WATCH_INDEX", queue),
                new PrintStream(out, true, StandardCharsets.UTF_8), new PrintStream(err, true, StandardCharsets.UTF_8),
                Clock.systemUTC());
        assertThat(send("GET", "/_index_template/" + template, null).status()).isEqualTo(404);

        assertThat(Main.standard().run(new String[] {"--once"}, console)).as(err.toString(StandardCharsets.UTF_8))
                .isZero();

        assertThat(send("GET", "/_index_template/" + template, null).requireSuccess("read " + template).body())
                .contains("\"content_hash\"", "\"index_patterns\":[\"" + queue + "\"]");
    }
}
