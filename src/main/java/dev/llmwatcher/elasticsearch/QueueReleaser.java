package dev.llmwatcher.elasticsearch;

import co.elastic.clients.elasticsearch.ElasticsearchClient;
import co.elastic.clients.elasticsearch._types.ElasticsearchException;
import co.elastic.clients.elasticsearch._types.Refresh;
import co.elastic.clients.elasticsearch._types.query_dsl.BoolQuery;
import co.elastic.clients.elasticsearch._types.query_dsl.Query;
import co.elastic.clients.elasticsearch.core.bulk.BulkOperation;
import co.elastic.clients.elasticsearch.core.bulk.BulkResponseItem;
import dev.llmwatcher.queue.QueueFields;
import dev.llmwatcher.queue.QueuedDocument;

import java.io.IOException;
import java.time.Instant;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Puts parked or errored documents back to be processed, for the {@code release} command: clears the error, the
 * parked flag, the retry time and any stale claim, and resets the attempt count, so the next ordinary pass takes
 * them as new documents. The test cluster has no update-by-query, and a blind update-by-query could overwrite a
 * document a pass is working on: so this pages through matches with a point in time and updates each document
 * conditionally on the version it read, and reads the bulk answer item by item. Documents with a live claim are
 * left alone.
 */
public final class QueueReleaser {

    private static final int PAGE = 500;
    private static final String KEEP_ALIVE = "2m";

    private final ElasticsearchClient client;
    private final ElasticsearchFailures failures;

    public QueueReleaser(ElasticsearchClient client, ElasticsearchFailures failures) {
        this.client = client;
        this.failures = failures;
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
        Query query = query(criteria, now);
        PointInTime pointInTime;
        try {
            client.indices().refresh(r -> r.index(index));
            pointInTime = PointInTime.open(client, index, KEEP_ALIVE);
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

    private Result releaseAll(String index, Query query, PointInTime pointInTime) {
        int released = 0;
        int conflicts = 0;
        Map<String, String> failed = new HashMap<>();
        while (true) {
            List<QueuedDocument> page = search(index, query, pointInTime);
            if (page.isEmpty()) {
                return new Result(released, conflicts, Map.copyOf(failed));
            }
            for (BulkResponseItem item : update(index, page)) {
                if (item.error() == null) {
                    released++;
                } else if (item.status() == 409 || item.status() == 404) {
                    conflicts++;
                } else {
                    failed.put(item.id(), failures.reason(item.error()));
                }
            }
        }
    }

    private List<QueuedDocument> search(String index, Query query, PointInTime pointInTime) {
        try {
            return pointInTime.next(query, List.of(PointInTime.SHARD_DOC_ORDER), PAGE, false, false).documents();
        } catch (ElasticsearchException | IOException e) {
            throw failures.unavailable("search " + index + " for documents to release", e);
        }
    }

    private List<BulkResponseItem> update(String index, List<QueuedDocument> documents) {
        Map<String, Object> fields = new HashMap<>();
        fields.put(QueueFields.ERROR, null);
        fields.put(QueueFields.PARKED, null);
        fields.put(QueueFields.NEXT_ATTEMPT_AT, null);
        fields.put(QueueFields.CLAIM, null);
        fields.put(QueueFields.ATTEMPTS, 0);
        Map<String, Object> change = Map.of(QueueFields.META, fields);
        List<BulkOperation> operations = documents.stream().map(document -> BulkOperation.of(o -> o
                .update(u -> u.index(index).id(document.id()).ifSeqNo(document.seqNo())
                        .ifPrimaryTerm(document.primaryTerm()).action(a -> a.doc(change))))).toList();
        try {
            return client.bulk(b -> b.refresh(Refresh.True).operations(operations)).items();
        } catch (ElasticsearchException | IOException e) {
            throw failures.unavailable("release documents in " + index, e);
        }
    }

    private static Query query(Criteria criteria, Instant now) {
        Query parked = EligibilityQuery.parked();
        BoolQuery.Builder query = new BoolQuery.Builder();
        if (criteria.parkedOnly()) {
            query.filter(parked);
        } else {
            query.filter(Dsl.anyOf(parked, Dsl.exists(QueueFields.ERROR_PATH)));
        }
        if (criteria.errorContains() != null && !criteria.errorContains().isBlank()) {
            query.filter(f -> f.matchPhrase(m -> m.field(QueueFields.ERROR_PATH).query(criteria.errorContains())));
        }
        if (!criteria.ids().isEmpty()) {
            query.filter(f -> f.ids(i -> i.values(criteria.ids())));
        }
        return query.mustNot(EligibilityQuery.liveClaim(now)).build()._toQuery();
    }
}
