package dev.llmwatcher.elasticsearch;

import co.elastic.clients.elasticsearch.ElasticsearchClient;
import co.elastic.clients.elasticsearch.core.MgetResponse;
import co.elastic.clients.elasticsearch.core.bulk.BulkOperation;
import co.elastic.clients.elasticsearch.core.bulk.BulkResponseItem;
import co.elastic.clients.elasticsearch.core.get.GetResult;
import co.elastic.clients.elasticsearch.core.mget.MultiGetResponseItem;
import dev.llmwatcher.queue.CompletedDocument;
import dev.llmwatcher.queue.QueuedDocument;
import dev.llmwatcher.queue.SourceVersion;
import dev.llmwatcher.queue.WriteOutcome;

import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * Backfilled results Elasticsearch refused because their source document is no longer the version that was queued
 * (a 409 on {@code if_seq_no}): the application's write wins. Each source is read once (one {@code _mget}); a deleted
 * one's queue document is removed, a changed one's is replaced by the current version to be answered again, both
 * conditional on the claimed version so a queue document another run changed is left alone.
 */
final class SupersededResults {

    private final ElasticsearchClient client;
    private final ElasticsearchFailures failures;
    private final QueueBulk queueBulk;

    /** The store's bulk on its queue index, which counts the write (so its next refresh is not skipped). */
    interface QueueBulk {
        List<BulkResponseItem> apply(String queueIndex, List<BulkOperation> operations, String action);
    }

    SupersededResults(ElasticsearchClient client, ElasticsearchFailures failures, QueueBulk queueBulk) {
        this.client = client;
        this.failures = failures;
        this.queueBulk = queueBulk;
    }

    /** One outcome per conflicting result, in order; each is {@link WriteOutcome#superseded()}. */
    @SuppressWarnings({"unchecked", "rawtypes"})
    List<WriteOutcome> resolve(String queueIndex, List<CompletedDocument> conflicts) {
        if (conflicts.isEmpty()) {
            return List.of();
        }
        MgetResponse<Map> current;
        try {
            current = client.mget(m -> {
                conflicts.forEach(c -> m.docs(d -> d.index(c.targetIndex()).id(c.queued().id())));
                return m;
            }, Map.class);
        } catch (IOException | RuntimeException e) {
            throw failures.unavailable("read the current versions of changed source documents", e);
        }
        List<BulkOperation> operations = new ArrayList<>();
        List<Boolean> deleted = new ArrayList<>();
        for (int i = 0; i < conflicts.size(); i++) {
            QueuedDocument queued = conflicts.get(i).queued();
            MultiGetResponseItem<Map> item = current.docs().get(i);
            GetResult<Map> found = item.isResult() ? item.result() : null;
            if (found == null || !found.found() || found.seqNo() == null || found.primaryTerm() == null) {
                deleted.add(true);
                operations.add(BulkOperation.of(b -> b.delete(d -> d.index(queueIndex).id(queued.id())
                        .ifSeqNo(queued.seqNo()).ifPrimaryTerm(queued.primaryTerm()))));
            } else {
                deleted.add(false);
                Map<String, Object> requeued = new SourceVersion(found.seqNo(), found.primaryTerm())
                        .requeue(queued, (Map<String, Object>) found.source());
                operations.add(BulkOperation.of(b -> b.index(o -> o.index(queueIndex).id(queued.id())
                        .ifSeqNo(queued.seqNo()).ifPrimaryTerm(queued.primaryTerm()).document(requeued))));
            }
        }
        List<BulkResponseItem> items = queueBulk.apply(queueIndex, operations,
                "queue changed source documents again in " + queueIndex);
        List<WriteOutcome> outcomes = new ArrayList<>();
        for (int i = 0; i < conflicts.size(); i++) {
            String id = conflicts.get(i).queued().id();
            boolean applied = items.get(i).error() == null;
            outcomes.add(deleted.get(i) ? WriteOutcome.sourceDeleted(id, applied)
                    : WriteOutcome.sourceChanged(id, applied));
        }
        return outcomes;
    }
}
