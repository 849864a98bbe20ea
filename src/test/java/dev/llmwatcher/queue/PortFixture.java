package dev.llmwatcher.queue;

import dev.llmwatcher.backfill.BackfillStore;
import dev.llmwatcher.cache.AnswerCache;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;

/**
 * One implementation of the queue and answer-cache ports as the contract suites ({@link AbstractQueueStoreTest},
 * {@code AbstractAnswerCacheTest}) drive it: the store that implements the ports, and what only a test does around it
 * (queueing a document as the pipeline does, reading what is stored, changing a document behind the store's back).
 * One subclass per implementation: the in-memory fake's and Elasticsearch's; another store adds a third.
 *
 * @param <S> the store, which implements every port
 */
public abstract class PortFixture<S extends QueueStore & BatchQueue & AnswerCache> {

    private final S store;

    protected PortFixture(S store) {
        this.store = store;
    }

    public S store() {
        return store;
    }

    public QueueStore queueStore() {
        return store;
    }

    public BatchQueue batchQueue() {
        return store;
    }

    public AnswerCache answerCache() {
        return store;
    }

    /**
     * Puts a document in a queue index as the pipeline does (replacing one with the same id: a new version), visible
     * to the next scan.
     */
    public abstract void queue(String queueIndex, String id, Map<String, Object> source);

    /** Queues many documents at once, ids to sources. */
    public void queueAll(String queueIndex, Map<String, Map<String, Object>> sourcesById) {
        sourcesById.forEach((id, source) -> queue(queueIndex, id, source));
    }

    /** Deletes a queue document behind the store's back, as another run that stored it would. */
    public abstract void remove(String queueIndex, String id);

    /** The backfill port, which every store of ours implements too. */
    public BackfillStore backfillStore() {
        return (BackfillStore) store;
    }

    /**
     * Writes documents into an index as the application does (each a new version), visible to the next scan: the
     * documents a backfill reads and a result is written back over.
     */
    public abstract void write(String index, Map<String, Map<String, Object>> sourcesById);

    /** Deletes a document from an index as the application does. */
    public abstract void delete(String index, String id);

    /** A document as it is stored now, in a queue or a target index; empty when there is none. */
    public abstract Optional<Map<String, Object>> source(String index, String id);

    /** The source of a queue document: the user's fields plus {@code _llm_watcher}. */
    public static Map<String, Object> queueDocument(Map<String, ?> userFields, Map<String, ?> meta) {
        Map<String, Object> source = new LinkedHashMap<>(userFields);
        source.put(QueuedDocument.META_FIELD, new LinkedHashMap<>(meta));
        return source;
    }
}
