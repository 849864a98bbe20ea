package dev.llmwatcher.store;

import dev.llmwatcher.backfill.BackfillProgress;
import dev.llmwatcher.backfill.BackfillRecord;
import dev.llmwatcher.backfill.EnqueueResult;
import dev.llmwatcher.backfill.QueueEntry;
import dev.llmwatcher.queue.QueueFields;

import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The backfill port's documents and answers in either engine's JSON: a backfill's record beside the queue, the
 * aggregation that counts each backfill's documents in the queue, and how a bulk {@code create}'s items add up
 * (409: queued already, left as it was).
 */
public final class BackfillDocuments {

    /** The aggregation of {@link #progressAggregations}, and its sub-aggregation of failed documents. */
    public static final String BACKFILLS = "backfills";
    public static final String FAILED = "failed";

    /** One bulk {@code create} item's answer: its HTTP status, and the engine's reason when it failed. */
    public record CreateItem(int status, String errorReason) {

        boolean failed() {
            return errorReason != null;
        }
    }

    private BackfillDocuments() {
    }

    /** The index beside a queue that keeps its backfills' records. */
    public static String recordsIndex(String queueIndex) {
        return queueIndex + "-backfills";
    }

    public static Map<String, Object> document(BackfillRecord record) {
        Map<String, Object> document = new LinkedHashMap<>();
        document.put("backfill", record.backfill());
        document.put("from", record.from());
        document.put("matched", record.matched());
        document.put("queued", record.queued());
        document.put("started_at", record.startedAt().toString());
        document.put("finished_at", record.finishedAt().toString());
        return document;
    }

    public static BackfillRecord record(Map<?, ?> source) {
        return new BackfillRecord(String.valueOf(source.get("backfill")), String.valueOf(source.get("from")),
                ((Number) source.get("matched")).longValue(), ((Number) source.get("queued")).longValue(),
                Instant.parse((String) source.get("started_at")), Instant.parse((String) source.get("finished_at")));
    }

    /** What creating {@code entries} did, from the bulk's items in the same order. */
    public static EnqueueResult tally(List<QueueEntry> entries, List<CreateItem> items) {
        long created = 0;
        long already = 0;
        long failed = 0;
        Map<String, String> shown = new LinkedHashMap<>();
        for (int i = 0; i < items.size(); i++) {
            CreateItem item = items.get(i);
            if (!item.failed()) {
                created++;
            } else if (item.status() == 409) {
                already++;
            } else {
                failed++;
                if (shown.size() < EnqueueResult.SHOWN) {
                    shown.put(entries.get(i).id(), item.errorReason());
                }
            }
        }
        return new EnqueueResult(created, already, failed, shown);
    }

    /** Per backfill id (in {@code backfillField}, a keyword field), its documents and those with an error. */
    public static Map<String, Object> progressAggregations(String backfillField) {
        return Map.of(BACKFILLS, Map.of("terms", Map.of("field", backfillField, "size", 100),
                "aggs", Map.of(FAILED, Map.of("filter", QueueQueries.exists(QueueFields.ERROR_PATH)))));
    }

    /** The progress of each backfill, read from a search answer with {@link #progressAggregations}. */
    public static List<BackfillProgress> progress(Map<String, Object> answer) {
        List<BackfillProgress> progress = new ArrayList<>();
        if (answer.get("aggregations") instanceof Map<?, ?> aggregations
                && aggregations.get(BACKFILLS) instanceof Map<?, ?> backfills
                && backfills.get("buckets") instanceof List<?> buckets) {
            for (Object entry : buckets) {
                Map<?, ?> bucket = (Map<?, ?>) entry;
                long documents = ((Number) bucket.get("doc_count")).longValue();
                long failed = bucket.get(FAILED) instanceof Map<?, ?> f && f.get("doc_count") instanceof Number n
                        ? n.longValue() : 0;
                progress.add(new BackfillProgress(String.valueOf(bucket.get("key")), documents - failed, failed));
            }
        }
        return progress;
    }
}
