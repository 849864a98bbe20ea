package dev.llmwatcher.opensearch;

import dev.llmwatcher.queue.CompletedDocument;
import dev.llmwatcher.queue.SourceVersion;
import dev.llmwatcher.queue.WriteOutcome;
import dev.llmwatcher.store.SupersededRewrites;
import org.opensearch.client.opensearch.core.bulk.BulkOperation;
import org.opensearch.client.opensearch.core.bulk.BulkResponseItem;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.BiFunction;

/**
 * Backfilled results OpenSearch refused because their source document is no longer the version that was queued (a
 * 409 on {@code if_seq_no}): each source is read once (one {@code _mget} through the generic API), and the queue
 * documents are rewritten as {@link SupersededRewrites} decides, in one bulk.
 */
final class SupersededSources {

    private final RawRequests raw;
    private final BiFunction<List<BulkOperation>, String, List<BulkResponseItem>> bulk;

    /** {@code bulk} sends operations (with the action a failure names) and returns their checked items. */
    SupersededSources(RawRequests raw, BiFunction<List<BulkOperation>, String, List<BulkResponseItem>> bulk) {
        this.raw = raw;
        this.bulk = bulk;
    }

    /** One outcome per conflicting result, in order; each is {@link WriteOutcome#superseded()}. */
    List<WriteOutcome> resolve(String queueIndex, List<CompletedDocument> conflicts) {
        if (conflicts.isEmpty()) {
            return List.of();
        }
        List<SupersededRewrites.Rewrite> rewrites = SupersededRewrites.plan(conflicts, current(conflicts));
        List<BulkOperation> operations = rewrites.stream().map(rewrite -> BulkOperation.of(b -> rewrite.deletes()
                ? b.delete(d -> d.index(queueIndex).id(rewrite.id()).ifSeqNo(rewrite.ifSeqNo())
                        .ifPrimaryTerm(rewrite.ifPrimaryTerm()))
                : b.index(o -> o.index(queueIndex).id(rewrite.id()).ifSeqNo(rewrite.ifSeqNo())
                        .ifPrimaryTerm(rewrite.ifPrimaryTerm()).document(rewrite.requeued().orElseThrow())))).toList();
        List<BulkResponseItem> items = bulk.apply(operations, "queue changed source documents again in "
                + queueIndex);
        return SupersededRewrites.outcomes(rewrites, items.stream().map(item -> item.error() == null).toList());
    }

    /** The sources as they are now, in order; empty for one that is gone. */
    @SuppressWarnings("unchecked")
    private List<Optional<SupersededRewrites.Current>> current(List<CompletedDocument> conflicts) {
        List<Map<String, Object>> docs = conflicts.stream().map(c -> Map.<String, Object>of("_index",
                c.targetIndex(), "_id", c.queued().id())).toList();
        Map<String, Object> answer = raw.send("POST", "/_mget", Map.of("docs", docs),
                "read the current versions of changed source documents").json();
        List<?> found = answer.get("docs") instanceof List<?> list ? list : List.of();
        if (found.size() != conflicts.size()) {
            throw new IllegalStateException("the _mget answer has " + found.size() + " documents for "
                    + conflicts.size());
        }
        List<Optional<SupersededRewrites.Current>> current = new ArrayList<>();
        for (Object entry : found) {
            Map<String, Object> doc = (Map<String, Object>) entry;
            current.add(Boolean.TRUE.equals(doc.get("found")) && doc.get("_seq_no") instanceof Number seqNo
                    && doc.get("_primary_term") instanceof Number term && doc.get("_source") instanceof Map<?, ?> source
                    ? Optional.of(new SupersededRewrites.Current(new SourceVersion(seqNo.longValue(), term.longValue()),
                            (Map<String, Object>) source))
                    : Optional.empty());
        }
        return current;
    }
}
