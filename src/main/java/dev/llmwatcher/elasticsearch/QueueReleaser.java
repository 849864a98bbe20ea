package dev.llmwatcher.elasticsearch;

import co.elastic.clients.elasticsearch.ElasticsearchClient;
import co.elastic.clients.elasticsearch._types.ElasticsearchException;
import co.elastic.clients.elasticsearch._types.Refresh;
import co.elastic.clients.elasticsearch._types.query_dsl.Query;
import co.elastic.clients.elasticsearch.core.bulk.BulkOperation;
import co.elastic.clients.elasticsearch.core.bulk.BulkResponseItem;
import dev.llmwatcher.json.JsonCodec;
import dev.llmwatcher.queue.QueueRelease;
import dev.llmwatcher.queue.QueuedDocument;
import dev.llmwatcher.store.QueueChanges;
import dev.llmwatcher.store.QueueStatusQueries;

import java.io.IOException;
import java.io.StringReader;
import java.time.Instant;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * {@link QueueRelease} on Elasticsearch, with the shared query and change ({@link QueueStatusQueries#released},
 * {@link QueueChanges#released}). The test cluster has no update-by-query, and a blind update-by-query could
 * overwrite a document a pass is working on: so this pages through matches with a point in time and updates each
 * document conditionally on the version it read, and reads the bulk answer item by item. Documents with a live claim
 * are left alone.
 */
public final class QueueReleaser implements QueueRelease {

    private static final int PAGE = 500;
    private static final String KEEP_ALIVE = "2m";

    private final ElasticsearchClient client;
    private final ElasticsearchFailures failures;

    public QueueReleaser(ElasticsearchClient client, ElasticsearchFailures failures) {
        this.client = client;
        this.failures = failures;
    }

    @Override
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
        Map<String, Object> change = QueueChanges.released();
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
        String json = JsonCodec.writeString(QueueStatusQueries.released(criteria, now));
        return Query.of(q -> q.withJson(new StringReader(json)));
    }
}
