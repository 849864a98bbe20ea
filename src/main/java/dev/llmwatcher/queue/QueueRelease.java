package dev.llmwatcher.queue;

import java.time.Instant;
import java.util.List;
import java.util.Map;

/**
 * Puts parked or errored documents back to be processed, for the {@code release} command: clears the error, the
 * parked flag, the retry time and any stale claim, and resets the attempt count, so the next ordinary pass takes them
 * as new documents. Each document is updated conditionally on the version read, so a document a pass changed
 * meanwhile is left as it is; documents with a live claim are left alone. Each search-engine adapter implements it.
 */
public interface QueueRelease {

    /** Which stuck documents to release; every given criterion must hold. */
    record Criteria(boolean parkedOnly, String errorContains, List<String> ids) {

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
     * @param failed    documents the cluster refused to update, with its reason
     */
    record Result(int released, int conflicts, Map<String, String> failed) {
    }

    /**
     * Releases the matching documents in {@code index}, as of {@code now} for live claims; nothing when the index does
     * not exist.
     *
     * @throws QueueUnavailableException when the cluster cannot answer
     */
    Result release(String index, Criteria criteria, Instant now);
}
