package dev.llmwatcher.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.llmwatcher.budget.LeaseRequest;
import dev.llmwatcher.budget.TokenLedger;
import dev.llmwatcher.testing.TestElasticsearch;
import org.junit.jupiter.api.Test;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * {@code status} with daily token budgets: today's spend per model against its budget, what calls in flight hold,
 * and how many documents wait for a spent budget; as text and as JSON. Stated once and run against each search engine,
 * one small subclass per engine.
 */
abstract class AbstractBudgetStatusCommandTest {

    private static final Instant NOW = Instant.parse("2026-03-01T12:00:00Z");
    private static final LocalDate TODAY = LocalDate.ofInstant(NOW, ZoneOffset.UTC);

    private final String queue = TestElasticsearch.uniqueIndex("budget-status-queue");
    private final String ledgerIndex = TestElasticsearch.uniqueIndex("budget-status-ledger");
    private final ByteArrayOutputStream out = new ByteArrayOutputStream();
    private final ByteArrayOutputStream err = new ByteArrayOutputStream();

    /** The cluster's URL. */
    protected abstract URI url();

    /** One request to the cluster over plain HTTP. */
    protected abstract TestElasticsearch.Response send(String method, String path, String json);

    /** Hands {@code use} the engine's token ledger in {@code index}, over a client closed afterwards. */
    protected abstract void withLedger(String index, Consumer<TokenLedger> use);

    private void spend(TokenLedger ledger, String model, long limit, long settled, long held) {
        ledger.exchange(new LeaseRequest(model, TODAY, "drainer-1", limit, 0, 0, 1, 1, NOW.plusSeconds(300), NOW));
        ledger.exchange(new LeaseRequest(model, TODAY, "drainer-1", limit, settled, held, 0, 0, NOW.plusSeconds(300),
                NOW));
    }

    private void queueDocuments() {
        for (int i = 0; i < 3; i++) {
            Map<String, Object> meta = TestElasticsearch.pipelineMeta("reviews", "{{ctx.message}}");
            meta.put("provider", "openai");
            meta.put("model", "gpt-4o-mini");
            indexQueueDocument("mini-" + i, Map.of("message", "m" + i), meta);
        }
        indexQueueDocument("other", Map.of("message", "x"), TestElasticsearch.pipelineMeta("reviews",
                "{{ctx.message}}"));
    }

    private void indexQueueDocument(String id, Map<String, ?> userFields, Map<String, ?> meta) {
        Map<String, Object> source = new LinkedHashMap<>(userFields);
        source.put("_llm_watcher", meta);
        send("PUT", "/" + queue + "/_doc/" + id + "?refresh=true", TestElasticsearch.toJson(source))
                .requireSuccess("index " + queue + "/" + id);
    }

    private int status(String... args) {
        Map<String, String> environment = Map.of("ELASTICSEARCH_URL", url().toString(),
                "LLM_WATCHER_WATCH_INDEX", queue, "LLM_WATCHER_TOKEN_BUDGET_INDEX", ledgerIndex,
                "LLM_WATCHER_DAILY_TOKEN_BUDGET", "gpt-4o-mini=2000,gpt-4o=500000");
        Console console = new Console(environment, new PrintStream(out, true, StandardCharsets.UTF_8),
                new PrintStream(err, true, StandardCharsets.UTF_8), Clock.fixed(NOW, ZoneOffset.UTC));
        return Main.standard().run(args, console);
    }

    private void arrange() {
        queueDocuments();
        withLedger(ledgerIndex, ledger -> {
            spend(ledger, "gpt-4o-mini", 2_000, 2_000, 0);
            spend(ledger, "gpt-4o", 500_000, 120_400, 3_200);
            spend(ledger, "llama3.3", 1_000_000, 7_000, 0);
        });
    }

    @Test
    void statusShowsTodaysSpendPerModelAndTheDocumentsThatWaitForASpentBudget() {
        arrange();

        assertThat(status("status")).as(err.toString(StandardCharsets.UTF_8)).isZero();

        assertThat(out.toString(StandardCharsets.UTF_8)).contains(
                "Daily token budgets 2026-03-01 (UTC), in " + ledgerIndex + ":",
                "gpt-4o                       120,400 of 500,000 spent, 3,200 held by calls in flight, 376,400 left",
                "gpt-4o-mini                  2,000 of 2,000 spent: spent, 3 documents wait until 00:00 UTC",
                "llama3.3                     7,000 spent, no budget");
    }

    @Test
    @SuppressWarnings("unchecked")
    void statusJsonCarriesTheSameForScripts() throws Exception {
        arrange();

        assertThat(status("status", "--json")).isZero();

        Map<String, Object> json = new ObjectMapper().readValue(out.toString(StandardCharsets.UTF_8), Map.class);
        Map<String, Object> budgets = (Map<String, Object>) json.get("token_budgets");
        assertThat(budgets).containsEntry("index", ledgerIndex).containsEntry("day", "2026-03-01");
        List<Map<String, Object>> models = (List<Map<String, Object>>) budgets.get("models");
        assertThat(models).hasSize(3);
        assertThat(models.get(0)).isEqualTo(Map.of("model", "gpt-4o", "limit", 500_000, "spent", 120_400,
                "held", 3_200, "remaining", 376_400, "exhausted", false, "waiting_documents", 0));
        assertThat(models.get(1)).isEqualTo(Map.of("model", "gpt-4o-mini", "limit", 2_000, "spent", 2_000,
                "held", 0, "remaining", 0, "exhausted", true, "waiting_documents", 3));
        assertThat(models.get(2)).containsEntry("model", "llama3.3").containsEntry("limit", null)
                .containsEntry("remaining", null).containsEntry("spent", 7_000).containsEntry("exhausted", false);
    }
}
