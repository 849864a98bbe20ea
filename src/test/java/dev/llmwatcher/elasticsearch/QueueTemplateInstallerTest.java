package dev.llmwatcher.elasticsearch;

import dev.llmwatcher.queue.Claim;
import dev.llmwatcher.queue.FailureRecord;
import dev.llmwatcher.queue.QueueFields;
import dev.llmwatcher.queue.QueueQuery;
import dev.llmwatcher.queue.QueuedDocument;
import dev.llmwatcher.queue.Selection;
import dev.llmwatcher.testing.TestElasticsearch;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

import static dev.llmwatcher.queue.QueueTestSupport.ids;
import static dev.llmwatcher.queue.QueueTestSupport.query;
import static dev.llmwatcher.queue.QueueTestSupport.scanAll;
import static dev.llmwatcher.testing.TestElasticsearch.pipelineMeta;
import static org.assertj.core.api.Assertions.assertThat;

class QueueTemplateInstallerTest {

    private static final Instant NOW = Instant.now().truncatedTo(ChronoUnit.MILLIS);

    private static final ClusterAdmin ADMIN = ClusterAdmin.open(TestElasticsearch.shared().settings());

    private final TestElasticsearch es = TestElasticsearch.shared();
    private final QueueTemplateInstaller installer = ADMIN.templates();
    private final ElasticsearchQueueStore store = es.queueStore();
    private String queue;

    @AfterAll
    static void closeAdmin() {
        ADMIN.close();
    }

    @BeforeEach
    void uniqueQueue() {
        queue = TestElasticsearch.uniqueIndex("templated-queue");
    }

    @Test
    void installingTwiceLeavesTheTemplateUnchangedAndANewSortFieldUpdatesIt() {
        QueueTemplateInstaller.Result first = installer.install(queue, Optional.empty());
        QueueTemplateInstaller.Result second = installer.install(queue, Optional.empty());
        QueueTemplateInstaller.Result withSort = installer.install(queue, Optional.of("created:date"));
        QueueTemplateInstaller.Result withSortAgain = installer.install(queue, Optional.of("created"));

        assertThat(first).isEqualTo(QueueTemplateInstaller.Result.CREATED);
        assertThat(second).isEqualTo(QueueTemplateInstaller.Result.UNCHANGED);
        assertThat(withSort).isEqualTo(QueueTemplateInstaller.Result.UPDATED);
        assertThat(withSortAgain).isEqualTo(QueueTemplateInstaller.Result.UNCHANGED);
        assertThat(es.get("/_index_template/" + QueueTemplateInstaller.templateName(queue)).status()).isEqualTo(200);
    }

    @Test
    void aQueueIndexThatExistedBeforeTheTemplateGetsItsSettingsButOnlyWhenTheTemplateChanges() {
        es.put("/" + queue, "{\"settings\": {\"index\": {\"refresh_interval\": \"1s\"}}}");

        QueueTemplateInstaller.Result created = installer.install(queue, Optional.empty());
        Map<String, Object> settings = indexSettings();
        es.put("/" + queue + "/_settings", "{\"index\": {\"refresh_interval\": \"5s\"}}");
        QueueTemplateInstaller.Result unchanged = installer.install(queue, Optional.empty());
        String afterUnchanged = String.valueOf(indexSettings().get("refresh_interval"));
        QueueTemplateInstaller.Result updated = installer.install(queue, Optional.of("created:date"));

        assertThat(created).isEqualTo(QueueTemplateInstaller.Result.CREATED);
        assertThat(settings.get("refresh_interval")).isEqualTo("30s");
        assertThat(settings.toString()).contains("deletes_pct_allowed=50").contains("segments_per_tier=30");
        assertThat(unchanged).isEqualTo(QueueTemplateInstaller.Result.UNCHANGED);
        assertThat(afterUnchanged).as("an unchanged template leaves the index alone").isEqualTo("5s");
        assertThat(updated).isEqualTo(QueueTemplateInstaller.Result.UPDATED);
        assertThat(indexSettings().get("refresh_interval")).isEqualTo("30s");
    }

    @SuppressWarnings("unchecked")
    private Map<String, Object> indexSettings() {
        Map<String, Object> answer = es.get("/" + queue + "/_settings").json();
        return (Map<String, Object>) ((Map<String, Object>) ((Map<String, Object>) answer.get(queue))
                .get("settings")).get("index");
    }

    @Test
    void documentsWithConflictingUserFieldTypesBothQueue() {
        installer.install(queue, Optional.empty());
        Map<String, Object> schemaMeta = pipelineMeta("a", "p");
        schemaMeta.put("format", Map.of("type", "object", "properties", Map.of("scale", Map.of("type", "integer"))));
        schemaMeta.put("options", Map.of("temperature", 0));
        Map<String, Object> jsonMeta = pipelineMeta("b", "p");
        jsonMeta.put("format", "json");

        es.indexQueueDocument(queue, "from-a", Map.of("value", 1, "when", "2024-01-01"), schemaMeta);
        es.indexQueueDocument(queue, "from-b", Map.of("value", Map.of("deep", "x"), "when", "yesterday"), jsonMeta);

        assertThat(es.count(queue)).isEqualTo(2);
        assertThat(ids(scanAll(store, query(queue, Selection.NEW, NOW)))).containsExactlyInAnyOrder("from-a", "from-b");
        assertThat(es.get("/" + queue + "/_mapping").body()).contains("\"dynamic\":\"false\"")
                .doesNotContain("\"value\"");
    }

    @Test
    void theMappedSortFieldOrdersTheScanAndToleratesMalformedValues() {
        installer.install(queue, Optional.of("created:date"));
        Map<String, Map<String, Object>> docs = new LinkedHashMap<>();
        docs.put("late", doc("2024-03-01T00:00:00Z"));
        docs.put("early", doc("2024-01-01T00:00:00Z"));
        docs.put("malformed", doc("not a date"));
        docs.put("middle", doc("2024-02-01T00:00:00Z"));
        es.bulkIndex(queue, docs);

        List<QueuedDocument> scanned = scanAll(store,
                new QueueQuery(queue, Selection.NEW, NOW, Optional.of("created:date"), 2));

        assertThat(ids(scanned)).containsExactly("early", "middle", "late", "malformed");
    }

    @Test
    void errorsCanBeCountedByMessageForTheStatusCommand() {
        installer.install(queue, Optional.empty());
        for (String id : List.of("1", "2", "3")) {
            es.indexQueueDocument(queue, id, Map.of(), pipelineMeta("a", "p"));
        }
        List<QueuedDocument> claimed = store.claim(queue, scanAll(store, query(queue, Selection.NEW, NOW)),
                new Claim("run", NOW.plusSeconds(60)));
        store.recordFailures(queue, claimed.stream().map(d -> new FailureRecord(d,
                d.id().equals("3") ? "timeout" : "HTTP 500", 1, NOW, NOW, false)).toList());
        es.refresh(queue);

        String body = es.post("/" + queue + "/_search", """
                {"size": 0, "aggs": {"errors": {"terms": {"field": "%s"}}}}"""
                .formatted(QueueFields.ERROR_KEYWORD_PATH)).body();

        assertThat(body).contains("{\"key\":\"HTTP 500\",\"doc_count\":2}")
                .contains("{\"key\":\"timeout\",\"doc_count\":1}");
    }

    private static Map<String, Object> doc(String created) {
        Map<String, Object> source = new LinkedHashMap<>();
        source.put("created", created);
        source.put("_llm_watcher", pipelineMeta("a", "p"));
        return source;
    }
}
