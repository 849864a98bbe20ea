package dev.llmwatcher.elasticsearch;

import co.elastic.clients.elasticsearch.ElasticsearchClient;
import co.elastic.clients.elasticsearch._types.aggregations.StringTermsBucket;
import co.elastic.clients.elasticsearch._types.query_dsl.Query;
import co.elastic.clients.elasticsearch.core.SearchResponse;
import co.elastic.clients.elasticsearch.core.bulk.BulkOperation;
import co.elastic.clients.elasticsearch.core.bulk.BulkResponseItem;
import dev.llmwatcher.backfill.BackfillProgress;
import dev.llmwatcher.backfill.BackfillRecord;
import dev.llmwatcher.backfill.BackfillStore;
import dev.llmwatcher.backfill.EnqueueResult;
import dev.llmwatcher.backfill.QueueEntry;
import dev.llmwatcher.backfill.SourceScan;
import dev.llmwatcher.backfill.SourceSelection;
import dev.llmwatcher.json.Json;
import dev.llmwatcher.store.BackfillDocuments;
import dev.llmwatcher.queue.QueueFields;

import co.elastic.clients.elasticsearch._types.Refresh;

import java.io.IOException;
import java.util.Comparator;
import java.io.StringReader;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * The backfill port over Elasticsearch: a sliced point-in-time scan of the selection, and bulk {@code create} into
 * the queue (an id already there answers 409: already queued, left alone). This is the path every cluster can take,
 * the test distribution without painless or the reindex module among them.
 */
final class ElasticsearchBackfill implements BackfillStore {

    private static final String BACKFILLS = "backfills";
    private static final String FAILED = "failed";

    private final ElasticsearchClient client;
    private final ElasticsearchFailures failures;
    private final SupersededResults.QueueBulk queueBulk;

    ElasticsearchBackfill(ElasticsearchClient client, ElasticsearchFailures failures,
                          SupersededResults.QueueBulk queueBulk) {
        this.client = client;
        this.failures = failures;
        this.queueBulk = queueBulk;
    }

    /** Over a client of its own administration: its queue writes are not counted by any store. */
    ElasticsearchBackfill(ElasticsearchClient client, ElasticsearchFailures failures) {
        this(client, failures, (queueIndex, operations, action) -> plainBulk(client, failures, operations, action));
    }

    private static List<BulkResponseItem> plainBulk(ElasticsearchClient client, ElasticsearchFailures failures,
                                                    List<BulkOperation> operations, String action) {
        try {
            List<BulkResponseItem> items = client.bulk(b -> b.operations(operations)).items();
            if (items.size() != operations.size()) {
                throw new IOException("the bulk answer has " + items.size() + " items for " + operations.size()
                        + " operations");
            }
            return items;
        } catch (IOException | RuntimeException e) {
            throw failures.unavailable(action, e);
        }
    }

    /** The index beside a queue that keeps its backfills' records. */
    static String recordsIndex(String queueIndex) {
        return BackfillDocuments.recordsIndex(queueIndex);
    }

    @Override
    public void recordBackfill(String queueIndex, BackfillRecord record) {
        Map<String, Object> document = BackfillDocuments.document(record);
        try {
            client.index(i -> i.index(recordsIndex(queueIndex)).id(record.backfill()).document(document)
                    .refresh(Refresh.True));
        } catch (IOException | RuntimeException e) {
            throw failures.unavailable("record backfill " + record.backfill() + " in " + recordsIndex(queueIndex), e);
        }
    }

    @Override
    @SuppressWarnings("rawtypes")
    public List<BackfillRecord> backfillRecords(String queueIndex) {
        SearchResponse<Map> response;
        try {
            response = client.search(s -> s.index(recordsIndex(queueIndex)).size(1000), Map.class);
        } catch (IOException | RuntimeException e) {
            if (ElasticsearchFailures.isIndexNotFound(e)) {
                return List.of();
            }
            throw failures.unavailable("read the backfills of " + queueIndex, e);
        }
        List<BackfillRecord> records = new ArrayList<>();
        for (var hit : response.hits().hits()) {
            Map source = hit.source();
            if (source == null) {
                continue;
            }
            records.add(BackfillDocuments.record(source));
        }
        records.sort(Comparator.comparing(BackfillRecord::startedAt).reversed());
        return records;
    }

    @Override
    public long countMatching(SourceSelection selection) {
        Query query = query(selection);
        try {
            return client.count(c -> c.index(selection.from()).query(query)).count();
        } catch (IOException | RuntimeException e) {
            if (ElasticsearchFailures.isIndexNotFound(e)) {
                return 0;
            }
            throw failures.unavailable("count the documents of " + selection.from(), e);
        }
    }

    @Override
    public SourceScan scanSource(SourceSelection selection, int slices, int pageSize) {
        return SlicedSourceScan.open(client, failures, selection.from(), query(selection), slices, pageSize);
    }

    @Override
    public EnqueueResult enqueue(String queueIndex, List<QueueEntry> entries) {
        if (entries.isEmpty()) {
            return EnqueueResult.NONE;
        }
        List<BulkOperation> operations = entries.stream().map(entry -> BulkOperation.of(b -> b.create(c -> c
                .index(queueIndex).id(entry.id()).document(entry.source())))).toList();
        List<BulkResponseItem> items = queueBulk.apply(queueIndex, operations, "queue documents in " + queueIndex);
        return BackfillDocuments.tally(entries, items.stream().map(item -> new BackfillDocuments.CreateItem(
                item.status(), item.error() == null ? null : failures.reason(item.error()))).toList());
    }

    /** Refreshes the queue first, so documents stored a moment ago are no longer counted. */
    @Override
    public List<BackfillProgress> progress(String queueIndex) {
        SearchResponse<Void> response;
        try {
            client.indices().refresh(r -> r.index(queueIndex));
            String field = KeywordFields.pick(client, queueIndex, List.of(QueueFields.BACKFILL_PATH))
                    .get(QueueFields.BACKFILL_PATH);
            response = client.search(s -> s.index(queueIndex).size(0).trackTotalHits(t -> t.enabled(false))
                    .aggregations(BACKFILLS, a -> a.terms(t -> t.field(field).size(100))
                            .aggregations(FAILED, f -> f.filter(Dsl.exists(QueueFields.ERROR_PATH)))), Void.class);
        } catch (IOException | RuntimeException e) {
            if (ElasticsearchFailures.isIndexNotFound(e)) {
                return List.of();
            }
            throw failures.unavailable("read the backfills in " + queueIndex, e);
        }
        List<BackfillProgress> progress = new ArrayList<>();
        for (StringTermsBucket bucket : response.aggregations().get(BACKFILLS).sterms().buckets().array()) {
            long failedDocuments = bucket.aggregations().get(FAILED).filter().docCount();
            progress.add(new BackfillProgress(bucket.key().stringValue(), bucket.docCount() - failedDocuments,
                    failedDocuments));
        }
        return progress;
    }

    /** The selection's query as the client's typed query; none given = every document. */
    private static Query query(SourceSelection selection) {
        if (selection.query().isEmpty()) {
            return Query.of(q -> q.matchAll(m -> m));
        }
        String json;
        try {
            json = Json.mapper().writeValueAsString(selection.query());
        } catch (IOException e) {
            throw new IllegalArgumentException("the query cannot be written as JSON: " + e.getMessage(), e);
        }
        return Query.of(q -> q.withJson(new StringReader(json)));
    }
}
