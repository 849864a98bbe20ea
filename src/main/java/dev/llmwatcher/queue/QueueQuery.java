package dev.llmwatcher.queue;

import java.time.Instant;
import java.util.Optional;

/**
 * What to read from the queue: eligible documents of one selection, as of {@code now} (claims whose lease ended
 * before {@code now} count as free), in the order of {@code sortField} when given, leaving out the documents of
 * {@code excludedProvider} when given (the direct pass leaves OpenAI documents to the batch drain mode), and only
 * the documents of the models {@code models} lets through (a pass leaves out the models whose budget is spent).
 * A scan reads only the documents of {@code part} ({@link QueuePart}); counts always count the whole query.
 */
public record QueueQuery(String index, Selection selection, Instant now, Optional<String> sortField, int pageSize,
                         Optional<String> excludedProvider, ModelFilter models, QueuePart part) {

    public QueueQuery(String index, Selection selection, Instant now, Optional<String> sortField, int pageSize,
                      Optional<String> excludedProvider, ModelFilter models) {
        this(index, selection, now, sortField, pageSize, excludedProvider, models, QueuePart.WHOLE);
    }

    public QueueQuery(String index, Selection selection, Instant now, Optional<String> sortField, int pageSize) {
        this(index, selection, now, sortField, pageSize, Optional.empty());
    }

    public QueueQuery(String index, Selection selection, Instant now, Optional<String> sortField, int pageSize,
                      Optional<String> excludedProvider) {
        this(index, selection, now, sortField, pageSize, excludedProvider, ModelFilter.ANY);
    }

    /** The same query as of another moment. */
    public QueueQuery asOf(Instant moment) {
        return new QueueQuery(index, selection, moment, sortField, pageSize, excludedProvider, models, part);
    }

    /** The same query without the documents of {@code provider}. */
    public QueueQuery excluding(String provider) {
        return new QueueQuery(index, selection, now, sortField, pageSize, Optional.of(provider), models, part);
    }

    /** The same query with only the documents {@code filter} lets through. */
    public QueueQuery withModels(ModelFilter filter) {
        return new QueueQuery(index, selection, now, sortField, pageSize, excludedProvider, filter, part);
    }

    /** The same query, its scans reading only the documents of {@code other}. */
    public QueueQuery inPart(QueuePart other) {
        return new QueueQuery(index, selection, now, sortField, pageSize, excludedProvider, models, other);
    }
}
