package dev.llmwatcher.engine;

/**
 * Hears about a pass while it runs, for a live progress line or debug timings. Called from the pass's write-back
 * thread after each bulk write; implementations must be quick and must not throw.
 */
public interface PassListener {

    PassListener NONE = new PassListener() {
    };

    /** The pass found {@code eligible} documents and is starting. */
    default void started(long eligible) {
    }

    /** Running totals after a write-back. */
    default void written(int processed, int failed) {
    }
}
