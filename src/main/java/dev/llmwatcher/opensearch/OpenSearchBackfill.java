package dev.llmwatcher.opensearch;

import dev.llmwatcher.backfill.BackfillProgress;
import dev.llmwatcher.backfill.BackfillRecord;
import dev.llmwatcher.backfill.BackfillStore;
import dev.llmwatcher.backfill.EnqueueResult;
import dev.llmwatcher.backfill.QueueEntry;
import dev.llmwatcher.backfill.SourceScan;
import dev.llmwatcher.backfill.SourceSelection;
import dev.llmwatcher.queue.QueueFields;
import dev.llmwatcher.store.BackfillDocuments;
import dev.llmwatcher.store.QueueQueries;
import org.opensearch.client.opensearch.OpenSearchClient;
import org.opensearch.client.opensearch._types.Refresh;
import org.opensearch.client.opensearch.core.bulk.BulkOperation;
import org.opensearch.client.opensearch.core.bulk.BulkResponseItem;

import java.io.IOException;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.function.BiFunction;

/**
 * The backfill port over OpenSearch, the path the Elasticsearch adapter takes: a sliced point-in-time scan of the
 * selection ({@link SlicedPitScan}) and bulk {@code create} into the queue (an id already there answers 409: already
 * queued, left alone). Documents, the progress aggregation and the tally of a bulk are the shared ones
 * ({@link BackfillDocuments}); searches go through the generic API with the selection's query as it was given.
 */
final class OpenSearchBackfill implements BackfillStore {

    private final OpenSearchClient client;
    private final OpenSearchFailures failures;
    private final OpenSearchBatches batches;
    private final RawRequests raw;
    private final BiFunction<List<BulkOperation>, String, List<BulkResponseItem>> bulk;

    /** {@code bulk} is the queue store's: it sends operations (failing as the action) and checks the items. */
    OpenSearchBackfill(OpenSearchClient client, OpenSearchFailures failures,
                       BiFunction<List<BulkOperation>, String, List<BulkResponseItem>> bulk) {
        this.client = client;
        this.failures = failures;
        this.bulk = bulk;
        this.batches = new OpenSearchBatches(client, failures);
        this.raw = new RawRequests(client, failures);
    }

    @Override
    public long countMatching(SourceSelection selection) {
        RawRequests.Answer answer = raw.send("POST", "/" + selection.from() + "/_count",
                Map.of("query", query(selection)), "count the documents of " + selection.from(), 404);
        return answer.status() == 404 ? 0 : answer.json().get("count") instanceof Number n ? n.longValue() : 0;
    }

    @Override
    public SourceScan scanSource(SourceSelection selection, int slices, int pageSize) {
        return SlicedPitScan.open(client, failures, selection.from(), query(selection), slices, pageSize);
    }

    @Override
    public EnqueueResult enqueue(String queueIndex, List<QueueEntry> entries) {
        if (entries.isEmpty()) {
            return EnqueueResult.NONE;
        }
        List<BulkOperation> operations = entries.stream().map(entry -> BulkOperation.of(b -> b.create(c -> c
                .index(queueIndex).id(entry.id()).document(entry.source())))).toList();
        List<BulkResponseItem> items = bulk.apply(operations, "queue documents in " + queueIndex);
        return BackfillDocuments.tally(entries, items.stream().map(item -> new BackfillDocuments.CreateItem(
                item.status(), item.error() == null ? null : failures.reason(item.error()))).toList());
    }

    /** Refreshes the queue first, so documents stored a moment ago are no longer counted. */
    @Override
    public List<BackfillProgress> progress(String queueIndex) {
        Map<String, String> fields;
        try {
            client.indices().refresh(r -> r.index(queueIndex));
            fields = batches.keywordFields(queueIndex, List.of(QueueFields.BACKFILL_PATH));
        } catch (IOException | RuntimeException e) {
            if (OpenSearchFailures.isIndexNotFound(e)) {
                return List.of();
            }
            throw failures.unavailable("read the backfills in " + queueIndex, e);
        }
        RawRequests.Answer answer = raw.send("POST", "/" + queueIndex + "/_search", Map.of("size", 0,
                "track_total_hits", false, "aggs", BackfillDocuments.progressAggregations(
                        fields.get(QueueFields.BACKFILL_PATH))), "read the backfills in " + queueIndex, 404);
        return answer.status() == 404 ? List.of() : BackfillDocuments.progress(answer.json());
    }

    @Override
    public void recordBackfill(String queueIndex, BackfillRecord record) {
        String index = BackfillDocuments.recordsIndex(queueIndex);
        Map<String, Object> document = BackfillDocuments.document(record);
        try {
            client.index(i -> i.index(index).id(record.backfill()).document(document).refresh(Refresh.True));
        } catch (IOException | RuntimeException e) {
            throw failures.unavailable("record backfill " + record.backfill() + " in " + index, e);
        }
    }

    @Override
    public List<BackfillRecord> backfillRecords(String queueIndex) {
        RawRequests.Answer answer = raw.send("POST", "/" + BackfillDocuments.recordsIndex(queueIndex) + "/_search",
                Map.of("size", 1000), "read the backfills of " + queueIndex, 404);
        List<BackfillRecord> records = new ArrayList<>();
        if (answer.status() != 404 && answer.json().get("hits") instanceof Map<?, ?> hits
                && hits.get("hits") instanceof List<?> list) {
            for (Object hit : list) {
                if (hit instanceof Map<?, ?> found && found.get("_source") instanceof Map<?, ?> source) {
                    records.add(BackfillDocuments.record(source));
                }
            }
        }
        records.sort(Comparator.comparing(BackfillRecord::startedAt).reversed());
        return records;
    }

    /** The selection's query as given; none = every document. */
    private static Map<String, Object> query(SourceSelection selection) {
        return selection.query().isEmpty() ? QueueQueries.matchAll() : selection.query();
    }
}
