package dev.llmwatcher.cli;

import dev.llmwatcher.store.IndexTemplates;
import dev.llmwatcher.testing.OpenSearchServer;
import dev.llmwatcher.testing.TestElasticsearch;
import org.junit.jupiter.api.Test;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * {@code setup} on OpenSearch installs the queue's, the answer cache's and the token ledger's index templates once
 * (created, then unchanged), and indices created afterwards get their mappings: user fields of the queue unindexed,
 * the cached answer stored but not indexed, the ledger's day a date.
 */
class OpenSearchSetupCommandTest {

    private final OpenSearchServer server = OpenSearchServer.shared();
    private final String queue = TestElasticsearch.uniqueIndex("os-setup-queue");
    private final String cache = TestElasticsearch.uniqueIndex("os-setup-cache");
    private final String ledger = TestElasticsearch.uniqueIndex("os-setup-ledger");
    private final ByteArrayOutputStream out = new ByteArrayOutputStream();
    private final ByteArrayOutputStream err = new ByteArrayOutputStream();

    private String setup() {
        out.reset();
        Console console = new Console(Map.of("ELASTICSEARCH_URL", server.url().toString(),
                "LLM_WATCHER_WATCH_INDEX", queue, "LLM_WATCHER_ANSWER_CACHE_INDEX", cache,
                "LLM_WATCHER_TOKEN_BUDGET_INDEX", ledger, "LLM_WATCHER_SORT_FIELD", "priority:long"),
                new PrintStream(out, true, StandardCharsets.UTF_8), new PrintStream(err, true, StandardCharsets.UTF_8),
                Clock.systemUTC());
        assertThat(Main.standard().run(new String[] {"setup", "--prompt", "{{ctx.message}}"}, console))
                .as(err.toString(StandardCharsets.UTF_8)).isZero();
        return out.toString(StandardCharsets.UTF_8);
    }

    private String mapping(String index) {
        return server.send("GET", "/" + index + "/_mapping", null).requireSuccess("mapping of " + index).body();
    }

    @Test
    void setupInstallsTheThreeTemplatesOnceAndNewIndicesGetTheirMappings() {
        String first = setup();
        String second = setup();
        server.indexDocument(queue, "1", Map.of("message", "hi", "priority", 3, "_llm_watcher",
                Map.of("model", "llama3.3", "error", "HTTP 500", "_original_index", "reviews")));
        server.indexDocument(cache, "k1", Map.of("model", "llama3.3", "answered_at", "2026-03-01T11:00:00Z",
                "answer", "{\"scale\": 7}"));
        server.indexDocument(ledger, "2026-03-01/llama3.3", Map.of("model", "llama3.3", "day", "2026-03-01",
                "spent", 10, "leases", Map.of("drainer-1", Map.of("tokens", 5))));

        for (String template : new String[] {IndexTemplates.queueName(queue), IndexTemplates.cacheName(cache),
                IndexTemplates.ledgerName(ledger)}) {
            assertThat(first).containsPattern("index template " + template + " +created");
            assertThat(second).containsPattern("index template " + template + " +unchanged");
        }
        assertThat(first).doesNotContain("not installed");
        assertThat(mapping(queue)).contains("\"dynamic\":\"false\"").doesNotContain("\"message\"")
                .containsPattern("\"priority\":\\{\"type\":\"long\"")
                .containsPattern("\"_original_index\":\\{\"type\":\"keyword\"")
                .containsPattern("\"error\":\\{\"type\":\"text\",\"fields\":\\{\"keyword\"");
        assertThat(server.send("GET", "/" + queue + "/_settings?flat_settings=true", null).body())
                .contains("\"index.refresh_interval\":\"30s\"", "\"index.merge.policy.deletes_pct_allowed\":\"50\"");
        assertThat(mapping(cache)).contains("\"dynamic\":\"false\"")
                .containsPattern("\"answer\":\\{\"type\":\"text\",\"index\":false\\}");
        assertThat(mapping(ledger)).containsPattern("\"day\":\\{\"type\":\"date\",\"format\":\"strict_date\"\\}")
                .containsPattern("\"leases\":\\{\"type\":\"object\",\"enabled\":false\\}");
    }
}
