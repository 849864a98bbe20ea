package dev.llmwatcher.queue;

import java.time.Instant;
import java.util.Optional;

/**
 * What to read from the queue: eligible documents of one selection, as of {@code now} (claims whose lease ended
 * before {@code now} count as free), in the order of {@code sortField} when given.
 */
public record QueueQuery(String index, Selection selection, Instant now, Optional<String> sortField, int pageSize) {

    /** The same query as of another moment. */
    public QueueQuery asOf(Instant moment) {
        return new QueueQuery(index, selection, moment, sortField, pageSize);
    }
}
