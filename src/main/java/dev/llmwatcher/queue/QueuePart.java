package dev.llmwatcher.queue;

/**
 * One of {@code count} parts of a query's documents, so that drainers working at the same moment read different
 * documents instead of all racing for the first page. Every document of the query is in exactly one part of a
 * given count, and a document that nobody changes stays in its part from one scan to the next (scans opened by
 * different drainers at different moments agree on it); a document that is written (claimed, released, failed)
 * may move to another part. Parts only spread the work: claims stay conditional on the version read.
 *
 * @param id    which part, from 0 to {@code count - 1}
 * @param count how many parts the query is split into, at least 1 (1 is the whole query)
 */
public record QueuePart(int id, int count) {

    /** The whole query as one part. */
    public static final QueuePart WHOLE = new QueuePart(0, 1);

    public QueuePart {
        if (count < 1 || id < 0 || id >= count) {
            throw new IllegalArgumentException("no part " + id + " of " + count);
        }
    }

    public boolean isWhole() {
        return count == 1;
    }
}
