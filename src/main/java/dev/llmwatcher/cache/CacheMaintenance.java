package dev.llmwatcher.cache;

import java.time.Instant;

/**
 * The answer cache from the operator's side ({@code cache}, {@code status}): its size, emptying it, pruning it. Each
 * search-engine adapter's answer cache implements it.
 */
public interface CacheMaintenance {

    /** The cache's index. */
    String index();

    /** Entries in the cache (after a refresh); 0 when it does not exist yet. */
    long size();

    /** Deletes every entry; returns how many. */
    long clear();

    /** Deletes the entries answered before {@code cutoff}; returns how many. */
    long dropAnsweredBefore(Instant cutoff);
}
