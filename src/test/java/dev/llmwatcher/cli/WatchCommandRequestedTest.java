package dev.llmwatcher.cli;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/** {@link Main#main} starts the document warm-up at once only for a command line that will process documents. */
class WatchCommandRequestedTest {

    @Test
    void theDefaultCommandWithAnyFlagsIsTheWatchCommand() {
        assertThat(WatchCommand.requested(new String[] {})).isTrue();
        assertThat(WatchCommand.requested(new String[] {"--once", "--concurrency", "8"})).isTrue();
        assertThat(WatchCommand.requested(new String[] {"--dry-run"})).isTrue();
    }

    @Test
    void otherCommandsAndHelpAreNot() {
        assertThat(WatchCommand.requested(new String[] {"status"})).isFalse();
        assertThat(WatchCommand.requested(new String[] {"setup", "--once"})).isFalse();
        assertThat(WatchCommand.requested(new String[] {"--once", "--help"})).isFalse();
    }
}
