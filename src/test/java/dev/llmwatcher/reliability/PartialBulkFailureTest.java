package dev.llmwatcher.reliability;

import dev.llmwatcher.app.Watcher;
import dev.llmwatcher.engine.RunReport;
import dev.llmwatcher.engine.StopSignal;
import dev.llmwatcher.elasticsearch.QueueTemplateInstaller;
import dev.llmwatcher.queue.Selection;
import dev.llmwatcher.testing.FakeLlmServer.Reply;
import dev.llmwatcher.testing.StderrCapture;
import dev.llmwatcher.testing.TestElasticsearch;
import dev.llmwatcher.testing.WatcherFixture;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.AutoClose;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.time.Instant;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Target indices that reject one result of a bulk write, and a queue shared by pipelines whose documents have
 * conflicting field types. The rejected document stays queued with Elasticsearch's reason; the rest complete.
 */
class PartialBulkFailureTest {

    private static final String NO_AUTO_CREATE_PREFIX = "reliability-noauto-";

    private final TestElasticsearch es = TestElasticsearch.shared();
    private final StderrCapture stderr = StderrCapture.start();
    @AutoClose
    private final WatcherFixture fixture = Secrets.fixture(es);

    @BeforeEach
    void answer() {
        fixture.ollama().respondWith(request -> Reply.text(request.prompt().contains("deep")
                ? "{\"a\": {\"b\": {\"c\": 1}}}" : request.prompt().contains("ten") ? "{\"scale\": \"ten\"}"
                : "{\"scale\": 7}"));
    }

    @AfterEach
    void stop() {
        ok(es.put("/_cluster/settings", "{\"persistent\": {\"action.auto_create_index\": null}}"),
                "reset action.auto_create_index");
        stderr.close();
        assertThat(stderr.text()).doesNotContain(Secrets.ALL);
    }

    private void queue(String id, String targetIndex, String message) {
        Map<String, Object> meta = TestElasticsearch.pipelineMeta(targetIndex, "Rate: {{ctx.message}}");
        meta.put("format", "json");
        es.indexQueueDocument(fixture.queueIndex(), id, Map.of("message", message), meta);
    }

    private RunReport pass(Selection selection) {
        try (Watcher watcher = fixture.watcher()) {
            return watcher.runPass(selection, Instant.now().plusSeconds(60), Integer.MAX_VALUE, StopSignal.never());
        }
    }

    private static void ok(TestElasticsearch.Response response, String action) {
        assertThat(response.isSuccess()).as(action + ": " + response.body()).isTrue();
    }

    private String error(String id) {
        return QueueAssertions.error(es, fixture.queueIndex(), id);
    }

    @Test
    void rejectedResultsStayQueuedWithElasticsearchsReasonWhileTheRestOfTheBulkCompletes() {
        String fine = TestElasticsearch.uniqueIndex("bulk-fine");
        String typed = TestElasticsearch.uniqueIndex("bulk-typed");
        ok(es.put("/" + typed, "{\"mappings\": {\"properties\": {\"scale\": {\"type\": \"integer\"}}}}"),
                "create " + typed);
        String closed = TestElasticsearch.uniqueIndex("bulk-closed");
        ok(es.put("/" + closed, "{}"), "create " + closed);
        ok(es.post("/" + closed + "/_close", ""), "close " + closed);
        String missing = TestElasticsearch.uniqueIndex(NO_AUTO_CREATE_PREFIX + "missing");
        ok(es.put("/_cluster/settings", "{\"persistent\": {\"action.auto_create_index\": \"-" + NO_AUTO_CREATE_PREFIX
                + "*,+*\"}}"), "restrict action.auto_create_index");
        String shallow = TestElasticsearch.uniqueIndex("bulk-shallow");
        ok(es.put("/" + shallow, "{\"settings\": {\"index.mapping.depth.limit\": 2}}"), "create " + shallow);
        queue("fine-1", fine, "good");
        queue("conflict", typed, "ten");
        queue("fine-2", typed, "good");
        queue("closed", closed, "good");
        queue("missing", missing, "good");
        queue("too-deep", shallow, "deep");

        RunReport report = pass(Selection.NEW);

        assertThat(report.processed()).isEqualTo(2);
        assertThat(report.failed()).isEqualTo(4);
        assertThat(es.source(fine, "fine-1")).contains(Map.of("message", "good", "scale", 7));
        assertThat(es.source(typed, "fine-2")).contains(Map.of("message", "good", "scale", 7));
        assertThat(error("conflict")).contains("Elasticsearch rejected the result for index " + typed)
                .contains("scale");
        assertThat(error("closed")).contains(closed).contains("closed");
        assertThat(error("missing")).contains("index_not_found_exception");
        assertThat(error("too-deep")).contains("depth");
        assertThat(es.count(fixture.queueIndex())).isEqualTo(4);

        ok(es.post("/" + closed + "/_open", ""), "open " + closed);
        RunReport retry = pass(Selection.RETRY);

        assertThat(retry.processed()).isEqualTo(1);
        assertThat(es.source(closed, "closed")).contains(Map.of("message", "good", "scale", 7));
        assertThat(es.count(fixture.queueIndex())).isEqualTo(3);
    }

    @Test
    void firstRunInstallsTheQueueTemplateSoPipelinesWithConflictingFieldTypesShareTheQueue() {
        String orders = TestElasticsearch.uniqueIndex("orders");
        String invoices = TestElasticsearch.uniqueIndex("invoices");
        String gifts = TestElasticsearch.uniqueIndex("gifts");

        RunReport empty = pass(Selection.NEW);
        Map<String, Object> orderMeta = TestElasticsearch.pipelineMeta(orders, "Rate: {{ctx.price}}");
        es.indexQueueDocument(fixture.queueIndex(), "order", Map.of("price", 10), orderMeta);
        Map<String, Object> invoiceMeta = TestElasticsearch.pipelineMeta(invoices, "Rate: {{ctx.price.amount}}");
        es.indexQueueDocument(fixture.queueIndex(), "invoice",
                Map.of("price", Map.of("amount", 12, "currency", "EUR")), invoiceMeta);
        es.indexQueueDocument(fixture.queueIndex(), "odd", Map.of("price", "free"),
                TestElasticsearch.pipelineMeta(gifts, "Rate: {{ctx.price}}"));
        RunReport report = pass(Selection.NEW);

        assertThat(empty.found()).isZero();
        assertThat(es.get("/_index_template/" + QueueTemplateInstaller.templateName(fixture.queueIndex())).status())
                .isEqualTo(200);
        assertThat(report.processed()).isEqualTo(3);
        assertThat(es.source(orders, "order").orElseThrow()).containsEntry("price", 10);
        assertThat(es.source(invoices, "invoice").orElseThrow())
                .containsEntry("price", Map.of("amount", 12, "currency", "EUR"));
        assertThat(es.source(gifts, "odd").orElseThrow()).containsEntry("price", "free");
    }
}
