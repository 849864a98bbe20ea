package dev.llmwatcher.store;

import dev.llmwatcher.queue.CompletedDocument;
import dev.llmwatcher.queue.QueuedDocument;
import dev.llmwatcher.queue.SourceVersion;
import dev.llmwatcher.queue.WriteOutcome;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * What becomes of backfilled results the engine refused because their source document is no longer the version that
 * was queued (a 409 on {@code if_seq_no}): the application's write wins. A deleted source's queue document is
 * deleted; a changed one's is replaced by the current version, to be answered again. Both rewrites are conditional on
 * the claimed version of the queue document, so one another run changed meanwhile is left alone. Either adapter reads
 * the current sources and sends the rewrites in its own client's words; the decisions are here.
 */
public final class SupersededRewrites {

    /** A source document as it is now: its version and source. */
    public record Current(SourceVersion version, Map<String, Object> source) {
    }

    /**
     * One queue document's rewrite, conditional on {@code ifSeqNo}/{@code ifPrimaryTerm}: a delete when
     * {@code requeued} is empty, else an index of that source.
     */
    public record Rewrite(String id, long ifSeqNo, long ifPrimaryTerm, Optional<Map<String, Object>> requeued) {

        public boolean deletes() {
            return requeued.isEmpty();
        }
    }

    private SupersededRewrites() {
    }

    /** One rewrite per conflict, in order; {@code current} holds each one's source as read now (empty: deleted). */
    public static List<Rewrite> plan(List<CompletedDocument> conflicts, List<Optional<Current>> current) {
        List<Rewrite> rewrites = new ArrayList<>(conflicts.size());
        for (int i = 0; i < conflicts.size(); i++) {
            QueuedDocument queued = conflicts.get(i).queued();
            Optional<Map<String, Object>> requeued = current.get(i).map(now -> now.version().requeue(queued,
                    now.source()));
            rewrites.add(new Rewrite(queued.id(), queued.seqNo(), queued.primaryTerm(), requeued));
        }
        return rewrites;
    }

    /** The outcome of each rewrite, given whether the engine applied it; each one {@link WriteOutcome#superseded}. */
    public static List<WriteOutcome> outcomes(List<Rewrite> rewrites, List<Boolean> applied) {
        List<WriteOutcome> outcomes = new ArrayList<>(rewrites.size());
        for (int i = 0; i < rewrites.size(); i++) {
            Rewrite rewrite = rewrites.get(i);
            outcomes.add(rewrite.deletes() ? WriteOutcome.sourceDeleted(rewrite.id(), applied.get(i))
                    : WriteOutcome.sourceChanged(rewrite.id(), applied.get(i)));
        }
        return outcomes;
    }
}
