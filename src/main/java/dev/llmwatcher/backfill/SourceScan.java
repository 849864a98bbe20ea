package dev.llmwatcher.backfill;

import java.util.List;

/**
 * A backfill's walk over its selection, in {@link #slices()} slices that together hold each document once. Each
 * slice is read by one thread at a time; different slices may be read concurrently. Closing it releases what the
 * store holds open (a point in time).
 */
public interface SourceScan extends AutoCloseable {

    int slices();

    /** The next page of slice {@code slice} (0-based), or an empty list when that slice is exhausted. */
    List<SourceDocument> nextPage(int slice);

    @Override
    void close();
}
