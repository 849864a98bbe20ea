package dev.llmwatcher.queue;

import dev.llmwatcher.elasticsearch.BulkItem;
import dev.llmwatcher.elasticsearch.BulkOperation;
import dev.llmwatcher.elasticsearch.ElasticsearchConnection;
import dev.llmwatcher.elasticsearch.ElasticsearchException;

import java.io.IOException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Puts parked or errored documents back to be processed, for the {@code release} command: clears the error, the
 * parked flag, the retry time and any stale claim, and resets the attempt count, so the next ordinary pass takes
 * them as new documents. The test cluster has no update-by-query, and a blind update-by-query could overwrite a
 * document a pass is working on: so this pages through matches with a point in time and updates each document
 * conditionally on the version it read. Documents with a live claim are left alone.
 */
public final class QueueReleaser {

    private static final int PAGE = 500;
    private static final String KEEP_ALIVE = "2m";

    private final ElasticsearchConnection connection;
    private final ElasticsearchFailures failures;

    public QueueReleaser(ElasticsearchConnection connection) {
        this.connection = connection;
        this.failures = new ElasticsearchFailures(connection.settings());
    }

    /** Which stuck documents to release; every given criterion must hold. */
    public record Criteria(boolean parkedOnly, String errorContains, List<String> ids) {

        public Criteria {
            ids = ids == null ? List.of() : List.copyOf(ids);
        }

        /** Every parked or errored document. */
        public static Criteria all() {
            return new Criteria(false, null, List.of());
        }
    }

    /**
     * @param released  documents put back
     * @param conflicts documents changed by someone else between read and update (left as they were)
     * @param failed    documents Elasticsearch refused to update, with its reason
     */
    public record Result(int released, int conflicts, Map<String, String> failed) {
    }

    /** Releases the matching documents in {@code index}, as of {@code now} for live claims. */
    public Result release(String index, Criteria criteria, Instant now) {
        Map<String, Object> query = query(criteria, now);
        PointInTime pointInTime;
        try {
            connection.send("POST", "/" + index + "/_refresh", null);
            pointInTime = PointInTime.open(connection, index, KEEP_ALIVE);
        } catch (ElasticsearchException e) {
            if (ElasticsearchFailures.isIndexNotFound(e)) {
                return new Result(0, 0, Map.of());
            }
            throw failures.unavailable("search " + index + " for documents to release", e);
        } catch (IOException e) {
            throw failures.unavailable("search " + index + " for documents to release", e);
        }
        try (pointInTime) {
            return releaseAll(index, query, pointInTime);
        }
    }

    private Result releaseAll(String index, Map<String, Object> query, PointInTime pointInTime) {
        int released = 0;
        int conflicts = 0;
        Map<String, String> failed = new HashMap<>();
        while (true) {
            List<QueuedDocument> page = search(index, query, pointInTime);
            if (page.isEmpty()) {
                return new Result(released, conflicts, Map.copyOf(failed));
            }
            for (BulkItem item : update(index, page)) {
                if (!item.failed()) {
                    released++;
                } else if (item.status() == 409 || item.status() == 404) {
                    conflicts++;
                } else {
                    failed.put(item.id(), failures.reason(item.error()));
                }
            }
        }
    }

    private List<QueuedDocument> search(String index, Map<String, Object> query, PointInTime pointInTime) {
        try {
            return pointInTime.next(query, List.of(PointInTime.SHARD_DOC_ORDER), PAGE, false, false).documents();
        } catch (ElasticsearchException | IOException e) {
            throw failures.unavailable("search " + index + " for documents to release", e);
        }
    }

    private List<BulkItem> update(String index, List<QueuedDocument> documents) {
        Map<String, Object> fields = new HashMap<>();
        fields.put(QueueFields.ERROR, null);
        fields.put(QueueFields.PARKED, null);
        fields.put(QueueFields.NEXT_ATTEMPT_AT, null);
        fields.put(QueueFields.CLAIM, null);
        fields.put(QueueFields.ATTEMPTS, 0);
        Map<String, Object> change = Map.of(QueueFields.META, fields);
        List<BulkOperation> operations = new ArrayList<>();
        for (QueuedDocument document : documents) {
            operations.add(BulkOperation.updateIfUnchanged(index, document.id(), document.seqNo(),
                    document.primaryTerm(), change));
        }
        try {
            return connection.bulk(operations, true);
        } catch (ElasticsearchException | IOException e) {
            throw failures.unavailable("release documents in " + index, e);
        }
    }

    private static Map<String, Object> query(Criteria criteria, Instant now) {
        Map<String, Object> parked = EligibilityQuery.parked();
        Dsl.Bool query = Dsl.bool();
        if (criteria.parkedOnly()) {
            query.filter(parked);
        } else {
            query.filter(Dsl.anyOf(parked, Dsl.exists(QueueFields.ERROR_PATH)));
        }
        if (criteria.errorContains() != null && !criteria.errorContains().isBlank()) {
            query.filter(Dsl.matchPhrase(QueueFields.ERROR_PATH, criteria.errorContains()));
        }
        if (!criteria.ids().isEmpty()) {
            query.filter(Dsl.ids(criteria.ids()));
        }
        return query.mustNot(EligibilityQuery.liveClaim(now)).build();
    }
}
