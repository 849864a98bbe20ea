package dev.llmwatcher.elasticsearch;

import co.elastic.clients.elasticsearch.ElasticsearchClient;
import co.elastic.clients.elasticsearch.core.MgetResponse;
import co.elastic.clients.elasticsearch.core.bulk.BulkOperation;
import co.elastic.clients.elasticsearch.core.bulk.BulkResponseItem;
import co.elastic.clients.elasticsearch.core.get.GetResult;
import co.elastic.clients.elasticsearch.core.mget.MultiGetResponseItem;
import dev.llmwatcher.queue.CompletedDocument;
import dev.llmwatcher.queue.SourceVersion;
import dev.llmwatcher.queue.WriteOutcome;
import dev.llmwatcher.store.SupersededRewrites;

import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;

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
        List<Optional<SupersededRewrites.Current>> now = new ArrayList<>();
        for (MultiGetResponseItem<Map> item : current.docs()) {
            GetResult<Map> found = item.isResult() ? item.result() : null;
            now.add(found == null || !found.found() || found.seqNo() == null || found.primaryTerm() == null
                    ? Optional.empty() : Optional.of(new SupersededRewrites.Current(new SourceVersion(found.seqNo(),
                            found.primaryTerm()), (Map<String, Object>) found.source())));
        }
        List<SupersededRewrites.Rewrite> rewrites = SupersededRewrites.plan(conflicts, now);
        List<BulkOperation> operations = rewrites.stream().map(rewrite -> BulkOperation.of(b -> rewrite.deletes()
                ? b.delete(d -> d.index(queueIndex).id(rewrite.id()).ifSeqNo(rewrite.ifSeqNo())
                        .ifPrimaryTerm(rewrite.ifPrimaryTerm()))
                : b.index(o -> o.index(queueIndex).id(rewrite.id()).ifSeqNo(rewrite.ifSeqNo())
                        .ifPrimaryTerm(rewrite.ifPrimaryTerm()).document(rewrite.requeued().orElseThrow())))).toList();
        List<BulkResponseItem> items = queueBulk.apply(queueIndex, operations,
                "queue changed source documents again in " + queueIndex);
        return SupersededRewrites.outcomes(rewrites, items.stream().map(item -> item.error() == null).toList());
    }
}
