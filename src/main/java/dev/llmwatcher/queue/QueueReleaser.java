package dev.llmwatcher.queue;

import co.elastic.clients.elasticsearch.ElasticsearchClient;
import co.elastic.clients.elasticsearch._types.ElasticsearchException;
import co.elastic.clients.elasticsearch._types.FieldValue;
import co.elastic.clients.elasticsearch._types.Refresh;
import co.elastic.clients.elasticsearch._types.SortOptions;
import co.elastic.clients.elasticsearch._types.query_dsl.Query;
import co.elastic.clients.elasticsearch.core.BulkResponse;
import co.elastic.clients.elasticsearch.core.SearchResponse;
import co.elastic.clients.elasticsearch.core.bulk.BulkOperation;
import co.elastic.clients.elasticsearch.core.bulk.BulkResponseItem;
import co.elastic.clients.elasticsearch.core.search.Hit;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

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

    private static final Logger LOG = LoggerFactory.getLogger(QueueReleaser.class);
    private static final int PAGE = 500;

    private final ElasticsearchClient client;
    private final ElasticsearchFailures failures;

    public QueueReleaser(ElasticsearchConnection connection) {
        this.client = connection.client();
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
        Query query = query(criteria, now);
        String pit;
        try {
            client.indices().refresh(r -> r.index(index));
            pit = client.openPointInTime(p -> p.index(index).keepAlive(k -> k.time("2m"))).id();
        } catch (ElasticsearchException e) {
            if (ElasticsearchFailures.isIndexNotFound(e)) {
                return new Result(0, 0, Map.of());
            }
            throw failures.unavailable("search " + index + " for documents to release", e);
        } catch (IOException e) {
            throw failures.unavailable("search " + index + " for documents to release", e);
        }
        try {
            return releaseAll(index, query, pit);
        } finally {
            closeQuietly(pit);
        }
    }

    private Result releaseAll(String index, Query query, String pitId) {
        int released = 0;
        int conflicts = 0;
        Map<String, String> failed = new HashMap<>();
        String pit = pitId;
        List<FieldValue> after = null;
        while (true) {
            SearchResponse<Void> page = search(index, query, pit, after);
            List<Hit<Void>> hits = page.hits().hits();
            if (hits.isEmpty()) {
                return new Result(released, conflicts, Map.copyOf(failed));
            }
            pit = page.pitId() == null ? pit : page.pitId();
            after = hits.getLast().sort();
            List<BulkResponseItem> items = update(index, hits);
            for (BulkResponseItem item : items) {
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

    private SearchResponse<Void> search(String index, Query query, String pit, List<FieldValue> after) {
        try {
            return client.search(s -> {
                s.pit(p -> p.id(pit).keepAlive(k -> k.time("2m"))).query(query).size(PAGE)
                        .source(src -> src.fetch(false)).seqNoPrimaryTerm(true)
                        .sort(SortOptions.of(o -> o.field(f -> f.field("_shard_doc"))));
                if (after != null) {
                    s.searchAfter(after);
                }
                return s;
            }, Void.class);
        } catch (ElasticsearchException | IOException e) {
            throw failures.unavailable("search " + index + " for documents to release", e);
        }
    }

    private List<BulkResponseItem> update(String index, List<Hit<Void>> hits) {
        Map<String, Object> fields = new HashMap<>();
        fields.put(QueueFields.ERROR, null);
        fields.put(QueueFields.PARKED, null);
        fields.put(QueueFields.NEXT_ATTEMPT_AT, null);
        fields.put(QueueFields.CLAIM, null);
        fields.put(QueueFields.ATTEMPTS, 0);
        Map<String, Object> change = Map.of(QueueFields.META, fields);
        List<BulkOperation> operations = new ArrayList<>();
        for (Hit<Void> hit : hits) {
            operations.add(BulkOperation.of(o -> o.update(u -> u.index(index).id(hit.id())
                    .ifSeqNo(hit.seqNo()).ifPrimaryTerm(hit.primaryTerm()).action(a -> a.doc(change)))));
        }
        try {
            BulkResponse response = client.bulk(b -> b.operations(operations).refresh(Refresh.True));
            return response.items();
        } catch (ElasticsearchException | IOException e) {
            throw failures.unavailable("release documents in " + index, e);
        }
    }

    private static Query query(Criteria criteria, Instant now) {
        String at = EligibilityQuery.iso(now);
        Query parked = Query.of(q -> q.term(t -> t.field(QueueFields.PARKED_PATH).value(true)));
        Query errored = Query.of(q -> q.exists(e -> e.field(QueueFields.ERROR_PATH)));
        Query liveClaim = Query.of(q -> q.range(r -> r.date(d -> d.field(QueueFields.CLAIM_UNTIL_PATH).gte(at))));
        return Query.of(q -> q.bool(b -> {
            if (criteria.parkedOnly()) {
                b.filter(parked);
            } else {
                b.filter(f -> f.bool(s -> s.should(parked, errored).minimumShouldMatch("1")));
            }
            if (criteria.errorContains() != null && !criteria.errorContains().isBlank()) {
                b.filter(f -> f.matchPhrase(m -> m.field(QueueFields.ERROR_PATH).query(criteria.errorContains())));
            }
            if (!criteria.ids().isEmpty()) {
                b.filter(f -> f.ids(i -> i.values(criteria.ids())));
            }
            return b.mustNot(liveClaim);
        }));
    }

    private void closeQuietly(String pit) {
        try {
            client.closePointInTime(c -> c.id(pit));
        } catch (ElasticsearchException | IOException e) {
            LOG.debug("Could not close the point in time (it expires on its own): {}", e.getMessage());
        }
    }
}
