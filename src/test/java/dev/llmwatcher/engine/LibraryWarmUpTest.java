package dev.llmwatcher.engine;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The warm-up the command line starts before it reads its settings, and the engine once a count finds work: every
 * part of it must really run (a warm-up that fails quietly leaves the first document paying, as it once did). It
 * needs no configuration and no LLM client, so it cannot call one.
 */
class LibraryWarmUpTest {

    @Test
    void everyPartWarmsUp() {
        assertThat(LibraryWarmUp.warmUp()).isTrue();
        assertThat(LibraryWarmUp.warmUp()).as("idempotent").isTrue();
    }
}
